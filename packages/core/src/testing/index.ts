/**
 * `@assay/core/testing`: helpers for testing backends and projects.
 *
 * @packageDocumentation
 */
export {};
