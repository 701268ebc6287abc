import { CanceledError } from './errors.js';

/** Resolves after `ms`, or rejects with {@link CanceledError} as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CanceledError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CanceledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
