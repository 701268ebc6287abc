import { CanceledError } from '../errors.js';

/**
 * The error a backend throws once a statement or a wait stopped because the step's signal
 * aborted: a {@link CanceledError} (`ASSAY_CANCELED`) saying `Asset "<key>" canceled`, or
 * `Query canceled` when no asset is involved. The driver's own error, if any, stays as `cause`.
 *
 * @example
 * ```ts
 * if (signal.aborted) throw canceledError(assetKey);
 * ```
 */
export function canceledError(assetKey: string | undefined, cause?: unknown): CanceledError {
  return new CanceledError(assetKey ? `Asset "${assetKey}" canceled` : 'Query canceled', {
    ...(assetKey === undefined ? {} : { assetKey }),
    ...(cause === undefined ? {} : { cause }),
  });
}
