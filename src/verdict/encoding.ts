/**
 * Which encoding the real clients watch in, said in the verdicts of a record whose watches were
 * answered in protobuf (--encoding protobuf): the verdicts then describe the clients that ask for
 * protobuf, and clients that ask for JSON get another stream from the same server.
 *
 * Who asks for what (verified in the sources):
 * - protobuf for built-in types: kube-controller-manager, kube-scheduler, kubelet, kube-proxy
 *   (`--kube-api-content-type`, default `application/vnd.kubernetes.protobuf`: component-base
 *   v0.37.2 config/v1alpha1 defaults.go RecommendedDefaultClientConnectionConfiguration, kubelet
 *   config v1beta1 defaults.go); client-go typed clientsets since v0.32 (gentype PrefersProtobuf,
 *   rest/request.go UseProtobufAsDefault, kubernetes PR #125314) when the rest.Config sets no
 *   ContentType; controller-runtime typed clients and informers since v0.7 (client/apiutil
 *   apimachinery.go createRestConfig: protobufScheme holds client-go's scheme, PR #1149);
 * - JSON: dynamic clients and informers (client-go dynamic/simple.go ConfigFor:
 *   `application/json`), every custom resource (CRDs have no protobuf), @kubernetes/client-node
 *   (its watch reads JSON lines, watch.js).
 * A JSON answer to a protobuf watch changes nothing: every client would have got JSON.
 */
import { isProtobufResponse } from '../record/requests.js';
import { responseOf } from '../record/accessors.js';
import type { RunRecord, StreamRecord } from '../record/timeline.js';
import type { ClientOutcome, ClientVerdict } from './types.js';

export const PROTOBUF_CLIENTS =
  'kube-controller-manager, kube-scheduler, kubelet and kube-proxy (--kube-api-content-type defaults to protobuf), ' +
  'client-go typed clientsets v0.32+ and controller-runtime typed clients v0.7+ on built-in types';
export const JSON_CLIENTS = 'dynamic informers, custom resources and @kubernetes/client-node';

const OUTCOME_TEXT: Record<ClientOutcome, string> = {
  syncs: 'sync',
  'never-syncs': 'never sync',
  'falls-back': 'fall back from watch-list to LIST+WATCH',
  loops: 'loop',
  stops: 'stop',
  crashes: 'crash',
};

function answeredInProtobuf(stream: StreamRecord): boolean {
  return isProtobufResponse(responseOf(stream)?.contentType);
}

/**
 * The verdicts with what the encoding means for them. Unchanged when no watch was answered in
 * protobuf. Otherwise client-go verdicts based on protobuf streams say whom they describe (and,
 * when those streams carry frames client-go cannot decode, that JSON clients are not affected by
 * them); `dynamic` verdicts say that dynamic informers ask for JSON; client-node, which only
 * speaks JSON, is not judged on protobuf streams (its verdict is omitted: this record has no
 * request of its shape).
 */
export function withEncodingNotes(record: RunRecord, verdicts: ClientVerdict[]): ClientVerdict[] {
  const protobuf = new Map(record.streams.filter(answeredInProtobuf).map((stream) => [stream.id, stream]));
  if (protobuf.size === 0) return verdicts;
  const out: ClientVerdict[] = [];
  for (const verdict of verdicts) {
    const streams = verdict.basedOn.map((id) => protobuf.get(id)).filter((s): s is StreamRecord => s !== undefined);
    if (streams.length === 0) {
      out.push(verdict);
      continue;
    }
    if (verdict.profile === 'client-node') continue;
    const badFrames = streams.some((stream) => stream.entries.some((entry) => entry.kind === 'malformed'));
    const note = verdict.profile.endsWith(' dynamic')
      ? ` Judged on protobuf streams (${streams.map((s) => s.id).join(', ')}), but dynamic informers ask for JSON (client-go dynamic.ConfigFor): they get the server's JSON stream, so this holds for them only where it carries the same frames (run with --encoding json to judge them).`
      : badFrames
        ? ` The frames client-go cannot decode are in protobuf streams (${streams.map((s) => s.id).join(', ')}; stream.protobuf-framing): informers watching in protobuf (${PROTOBUF_CLIENTS}) would ${OUTCOME_TEXT[verdict.outcome]}; JSON clients (${JSON_CLIENTS}) get a JSON stream and are not affected by these frames (run with --encoding json to judge them).`
        : ` Judged on protobuf streams (${streams.map((s) => s.id).join(', ')}): the clients that watch this way are ${PROTOBUF_CLIENTS}; ${JSON_CLIENTS} watch in JSON.`;
    out.push({ ...verdict, explanation: verdict.explanation + note });
  }
  return out;
}
