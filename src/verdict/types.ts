/**
 * What a real client would do on the recorded streams. Profiles name client versions by their
 * default behaviour: `client-go>=0.35` uses watch-list (WatchListClient on by default since
 * v0.35, client-go/features/known_features.go), `client-go<=0.34` uses LIST then WATCH, and
 * `client-node` is the informer of @kubernetes/client-node 1.4 (`makeInformer`/`ListWatch`): LIST,
 * then WATCH without bookmarks, never watch-list (see client-node.ts).
 *
 * client-go's typed informers (clientset informer factory) and dynamic informers (dynamicinformer)
 * take objects of another kind/apiVersion differently (reflector/decoder.ts). Where they behave
 * alike on a record there is one `client-go>=0.35` / `client-go<=0.34` verdict; where they differ,
 * that version has two: `... typed` and `... dynamic`.
 */
export type ClientProfile =
  | 'client-go>=0.35'
  | 'client-go>=0.35 typed'
  | 'client-go>=0.35 dynamic'
  /** A client-go >= v0.35 informer with a label/field selector, where it differs from unfiltered ones (see `selector`). */
  | 'client-go>=0.35 with selector'
  | 'client-go<=0.34'
  | 'client-go<=0.34 typed'
  | 'client-go<=0.34 dynamic'
  | 'client-node';

/**
 * - `syncs`: the cache is filled and kept up to date;
 * - `never-syncs`: the cache is never filled;
 * - `falls-back` (client-go >= v0.35): watch-list failed, LIST+WATCH synced instead;
 * - `loops` (client-node): synced once, then re-watches or relists at once, without backoff,
 *   against a server that answers every attempt the same way;
 * - `stops` (client-node): synced once, then emits 'error' and stops watching; its cache stays
 *   frozen unless the application restarts the informer from its 'error' handler;
 * - `crashes` (client-node): a frame makes its watch handler throw; the rejection is unhandled and
 *   Node's default (--unhandled-rejections=throw) ends the process.
 */
export type ClientOutcome = 'syncs' | 'never-syncs' | 'falls-back' | 'loops' | 'stops' | 'crashes';

export interface ClientVerdict {
  profile: ClientProfile;
  outcome: ClientOutcome;
  /**
   * ms from the first request to the cache counting as synced (client-go: HasSynced() true;
   * client-node: the LIST resolved and filled the cache); null when it never syncs.
   */
  syncedAfterMs: number | null;
  /** Number of "Warning: event bookmark expired" lines the reflector would log while waiting (client-go >= v0.35 only; 0 otherwise). */
  warnings: number;
  /**
   * client-go >= v0.35, present only when a tick lands within TICK_RACE_MS of a decision boundary
   * (the last event almost exactly 10 s old, or an event or the end bookmark arriving at the
   * tick): a real reflector logs between min and max lines, depending on scheduling. `warnings`
   * is the count on the exact timeline, within the range.
   */
  warningsRange?: { min: number; max: number; /** Which tick races with what, and by how much. */ why: string };
  /**
   * client-node only: frames and events its watch ignored without any 'error' event or log line
   * (unparsable lines, non-410 ERROR events). Whatever change they carried is missing from its cache.
   */
  silentlyDropped?: number;
  /**
   * client-go only, present when not 0: events on the streams this verdict is based on that the
   * reflector skips ("Unexpected watch event object type/gvk"): an object of another type than the
   * informer's. Whatever change they carried is missing from its cache.
   */
  skippedEvents?: number;
  /** `client-go>=0.35 with selector` only: the selector of the informer judged, e.g. "labelSelector=app=x". */
  selector?: string;
  /** Plain-language account of the path the client takes. */
  explanation: string;
  /**
   * What the client would print or emit, with times since the profile's first request:
   * client-go's log lines (exact texts from client-go); for client-node, which logs nothing itself,
   * the informer events it would emit ('connect', 'error') and a crash's uncaught TypeError.
   */
  logLines: Array<{ atMs: number; line: string }>;
  /** StreamRecord/ListRecord ids this verdict is derived from. */
  basedOn: string[];
}
