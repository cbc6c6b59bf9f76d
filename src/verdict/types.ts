/**
 * What a real client would do on the recorded streams. Profiles name client versions by their
 * default behaviour: `client-go>=0.35` uses watch-list (WatchListClient on by default since
 * v0.35, client-go/features/known_features.go), `client-go<=0.34` uses LIST then WATCH.
 */
export type ClientProfile = 'client-go>=0.35' | 'client-go<=0.34';

export type ClientOutcome = 'syncs' | 'never-syncs' | 'falls-back';

export interface ClientVerdict {
  profile: ClientProfile;
  outcome: ClientOutcome;
  /** ms from the first request to HasSynced() becoming true; null when it never syncs. */
  syncedAfterMs: number | null;
  /** Number of "Warning: event bookmark expired" lines the reflector would log while waiting. */
  warnings: number;
  /** Plain-language account of the path the reflector takes. */
  explanation: string;
  /** The log lines client-go would print (exact texts from client-go, with times since the request). */
  logLines: Array<{ atMs: number; line: string }>;
  /** StreamRecord/ListRecord ids this verdict is derived from. */
  basedOn: string[];
}
