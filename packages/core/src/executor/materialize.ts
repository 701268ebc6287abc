// Implementation lands next in this session; types are the contract.
export {};
