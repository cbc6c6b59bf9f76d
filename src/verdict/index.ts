/**
 * The client verdicts: what each client profile's informer would do on the recorded streams,
 * derived from the timelines only (client-go in client-go.ts, @kubernetes/client-node in
 * client-node.ts).
 */
import type { RunRecord } from '../record/timeline.js';
import { clientGoVerdicts } from './client-go.js';
import { clientNodeVerdict } from './client-node.js';
import { withEncodingNotes } from './encoding.js';
import type { ClientVerdict } from './types.js';

/**
 * One verdict per client profile the record has the requests for: `client-go>=0.35` needs a
 * watch-list stream (the first one of scenario `watch-list`, else the first), `client-go<=0.34`
 * needs a LIST (scenario `list` preferred), and `client-node` (@kubernetes/client-node 1.4's
 * informer, client-node.ts) needs a LIST and judges its watch on a stream of client-node's shape;
 * a profile without its requests is omitted, never invented. Order: client-go>=0.35,
 * client-go<=0.34, client-node. `logLines[].atMs` are ms since the profile's first request.
 * On watches answered in protobuf the verdicts say which clients watch that way (encoding.ts).
 */
export function deriveClientVerdicts(record: RunRecord): ClientVerdict[] {
  const verdicts = clientGoVerdicts(record);
  const clientNode = clientNodeVerdict(record);
  if (clientNode !== undefined) verdicts.push(clientNode);
  return withEncodingNotes(record, verdicts);
}
