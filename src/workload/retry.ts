import pRetry, { AbortError } from 'p-retry';
import { statusMessage } from '../discovery/resolve-resource.js';
import { WatchmarkError } from '../errors.js';

/**
 * Runs one workload request with bounded retries of transient failures (429 and 5xx answers,
 * transport errors): 4 retries, 200 ms backoff growing to 2 s. TLS errors and Ctrl-C are not
 * retried; Ctrl-C during a backoff ends with WM_ABORTED, never p-retry's bare AbortError.
 */
export async function retryTransient<T extends { status: number; body: unknown; text: string }>(
  what: string,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await pRetry(
      async (attempt) => {
        const res = await fn();
        if (res.status === 429 || res.status >= 500) {
          // A coded error, so running out of retries ends the run like any other workload failure.
          throw new WatchmarkError(
            'WM_WORKLOAD',
            `cannot ${what}: HTTP ${res.status}: ${statusMessage(res.body, res.text)} (${attempt} attempt${attempt === 1 ? '' : 's'})`,
          );
        }
        return res;
      },
      {
        retries: 4,
        minTimeout: 200,
        maxTimeout: 2_000,
        ...(signal ? { signal } : {}),
        shouldRetry: ({ error }) =>
          !(error instanceof WatchmarkError && (error.code === 'WM_TLS' || error.code === 'WM_ABORTED')) && !(error instanceof AbortError),
      },
    );
  } catch (err) {
    // p-retry rejects with the signal's bare reason when Ctrl-C lands during a backoff.
    if (signal?.aborted && !(err instanceof WatchmarkError && err.code === 'WM_ABORTED')) {
      throw new WatchmarkError('WM_ABORTED', `interrupted while trying to ${what}`, {}, { cause: err });
    }
    throw err;
  }
}
