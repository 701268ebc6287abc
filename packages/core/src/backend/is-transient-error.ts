import { isAssayError } from '../errors.js';

/**
 * Whether a failure is worth retrying, for a backend that wraps its driver's errors.
 *
 * An {@link AssayError} marked `transient` is. An `ASSAY_SQL` or `ASSAY_BACKEND` error is
 * when its `cause` is (looked at the same way, so wrappers of wrappers work); any other
 * Assay error (a definition error, a cancellation, ...) is not. Anything else is a driver
 * error, judged by `isTransientCause` — the one part each backend writes for its engine.
 *
 * @example
 * ```ts
 * override isTransient(error: unknown): boolean {
 *   return isTransientError(error, (e) => /lock|conflict/i.test(String(e)));
 * }
 * ```
 */
export function isTransientError(error: unknown, isTransientCause: (error: unknown) => boolean): boolean {
  if (isAssayError(error)) {
    if (error.transient) return true;
    if (error.code !== 'ASSAY_SQL' && error.code !== 'ASSAY_BACKEND') return false;
    return error.cause !== undefined && isTransientError(error.cause, isTransientCause);
  }
  return isTransientCause(error);
}
