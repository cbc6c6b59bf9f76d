/**
 * When a watcher's next bookmark is due and whether it is delivered. Pure.
 *
 * kube-apiserver (`cache_watcher.go` nextBookmarkTime, v0.35.0): "(a) right before the watcher
 * timeout - for now we simply set it 2s before the deadline", "(b) roughly every minute"; once the
 * pre-deadline time has passed, no further bookmark is scheduled. Delivery (`process()`): a
 * bookmark goes out only if its RV is strictly greater than the RV the watch started from (max of
 * the requested RV and the RVs of the initial events/end bookmark); otherwise it is dropped and
 * the watcher rescheduled. kube-apiserver buckets these times to 1 s and drives them from a
 * ~1 s jittered ticker; this server uses exact per-watcher timers.
 */

export const PRE_DEADLINE_BOOKMARK_MS = 2_000;

/** Next bookmark time, or null when none is left before the deadline. */
export function nextBookmarkAtMs(nowMs: number, intervalMs: number, deadlineMs: number): number | null {
  const heartbeatMs = nowMs + intervalMs;
  const preDeadlineMs = deadlineMs - PRE_DEADLINE_BOOKMARK_MS;
  const at = Math.min(heartbeatMs, preDeadlineMs);
  return at > nowMs ? at : null;
}

export function bookmarkDeliverable(currentRv: number, startRv: number): boolean {
  return currentRv > startRv;
}

/** kube-apiserver's default watch timeout: `minRequestTimeout * (rand + 1)`, minRequestTimeout 1800 s. */
export function defaultWatchTimeoutMs(random: () => number): number {
  return Math.floor(1_800_000 * (random() + 1));
}
