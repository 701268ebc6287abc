export * from './select-assets.js';
