/**
 * `watchmark explain RESOURCE`: the path a client-go v0.35+ reflector takes on this server, in
 * plain language, derived from one recorded watch-list probe (and, when the server rejects
 * watch-list, the fallback LIST client-go would send). Pure: records in, explanation model out;
 * the log lines and the verdict come from src/verdict/ and src/reflector/, the same code `run` uses.
 *
 * Sources: spec sections 1.1 (WatchListClient, IsWatchListSemanticsUnSupported), 1.3 (watchList
 * loop, fallback log texts), 1.4 (the 10 s ticker and its texts), 1.7 (fallback detection), 2.1
 * and 4.1 (SetListOptionsDefaults: why rejecting sendInitialEvents is wrong for k8s.io/apiserver
 * servers with WatchList on).
 */
import {
  eventsOf,
  INITIAL_EVENTS_END_ANNOTATION,
  isChangeEvent,
  isInitialEventsEndBookmark,
  responseOf,
  closeOf,
  resourceVersionOf,
} from '../record/accessors.js';
import { askedForProtobuf, isProtobufResponse } from '../record/requests.js';
import type { ListRecord, RunRecord } from '../record/timeline.js';
import { formatMs } from '../report/terminal.js';
import type { Report } from '../report/model.js';
import { TICK_RACE_MS } from '../reflector/ticker.js';
import { deriveClientVerdicts } from '../verdict/index.js';
import type { ClientVerdict } from '../verdict/types.js';
import { TOOL } from '../version.js';
import { classifyWatchListProbe, type ProbeClassification } from './classify.js';
import type { WatchListProbe } from './watch-list-probe.js';

/** What happens to a client-go v0.35+ informer on this resource. */
export type ExplainOutcome = 'syncs' | 'syncs-via-fallback' | 'hangs' | 'retries' | 'not-permitted' | 'unknown';

export interface ExplainStep {
  /** Plain language; wrapped by the renderer. */
  text: string;
  /** Lines shown verbatim under the step (requests, log lines). */
  verbatim?: string[];
}

export type FixId = 'end-bookmark' | 'reject-watch-list' | 'per-client-opt-out' | 'disable-watch-list-client';

export interface Fix {
  id: FixId;
  side: 'server' | 'client';
  title: string;
  detail: string;
}

/** The probe's classification fields, then the explanation. */
export interface Explanation extends ProbeClassification {
  schemaVersion: 1;
  kind: 'explain';
  tool: { name: string; version: string };
  target: Report['target'];
  resource: { name: string; apiVersion: string; kind: string; namespaced: boolean; namespace: string | null };
  probe: { request: string; timeoutMs: number };
  outcome: ExplainOutcome;
  /** One line: the answer. */
  headline: string;
  steps: ExplainStep[];
  /** What client-go logs on this path, ms since its request ("[V(4)] " marks lines shown only at -v=4). */
  logLines: Array<{ atMs: number; line: string }>;
  rootCause: string | null;
  fixes: Fix[];
  /** The LIST client-go falls back to, as watchmark sent it (rejects-cleanly only). */
  fallbackList: { request: string; status: number; itemCount: number | null; durationMs: number; error: string | null } | null;
  /**
   * The same client-go v0.35+ verdict `run` and `observe` derive from the probe stream: the one
   * both informer kinds share, or, where they differ, the typed informer's (built-in resources;
   * the steps, headline and exit code follow it).
   */
  clientGo: ClientVerdict | null;
  /** The dynamic informer's v0.35+ verdict where it differs from the typed one (`client-go>=0.35 dynamic`), else null. */
  clientGoDynamic: ClientVerdict | null;
  exitCode: 0 | 1 | 2;
}

export interface ExplainInput {
  target: Explanation['target'];
  probe: WatchListProbe;
  /** The fallback LIST (resourceVersion=0&limit=500) watchmark sent, when the probe was rejected. */
  fallbackList?: ListRecord;
  anchorWallMs: number;
}

const END_BOOKMARK = `the BOOKMARK annotated "${INITIAL_EVENTS_END_ANNOTATION}": "true"`;

export const FIXES: Record<FixId, Fix> = {
  'end-bookmark': {
    id: 'end-bookmark',
    side: 'server',
    title: 'Server: end the initial events with the annotated bookmark (what kube-apiserver does)',
    detail:
      `Whenever a watch has sendInitialEvents=true and allowWatchBookmarks=true, send, right after the last initial event and before any live event, exactly one BOOKMARK whose object is the watched kind and apiVersion with metadata.resourceVersion = the RV the initial state was read at and metadata.annotations {"${INITIAL_EVENTS_END_ANNOTATION}": "true"}. ` +
      'Servers built on k8s.io/apiserver storage get it from the cacher (or set it with storage.AnnotateInitialEventsEndBookmark); a custom storage must emit it itself, also for legacy RV ""/"0" watches that k8s.io/apiserver defaulted to sendInitialEvents=true.',
  },
  'reject-watch-list': {
    id: 'reject-watch-list',
    side: 'server',
    title: 'Server: reject sendInitialEvents with a 4xx (client-go then falls back to LIST+WATCH)',
    detail:
      'Answer the watch-list request with e.g. 422 Invalid, as kube-apiserver with its WatchList feature gate off does ("sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled"), or with an ERROR event before any data. ' +
      'Caveat: on a server built on k8s.io/apiserver with WatchList on (the default from 1.34, and in libraries vendoring v0.34+), SetListOptionsDefaults also turns every legacy watch with resourceVersion ""/"0" into sendInitialEvents=true before the storage sees it, so the storage cannot tell them apart: rejecting there breaks plain watches (kubectl get -w, older informers). Only right for servers that do not do that defaulting; otherwise emit the bookmark.',
  },
  'per-client-opt-out': {
    id: 'per-client-opt-out',
    side: 'client',
    title: 'Client, per informer: a ListerWatcher implementing IsWatchListSemanticsUnSupported()',
    detail:
      'In client-go v0.35+, a ListerWatcher whose IsWatchListSemanticsUnSupported() returns true makes NewReflectorWithOptions turn watch-list off for that reflector only; it LISTs then WATCHes. Use it for the informers of this resource (or this server), keep watch-list for the rest.',
  },
  'disable-watch-list-client': {
    id: 'disable-watch-list-client',
    side: 'client',
    title: 'Client, whole process: KUBE_FEATURE_WatchListClient=false',
    detail:
      'The environment variable (or --feature-gates=WatchListClient=false in components that register client-go\'s gates) makes every informer of the process LIST then WATCH, like client-go v0.34. ' +
      'Cost: a full LIST per informer start and per relist, the whole collection in one response held in memory by the apiserver (from etcd or its watch cache) and by the client at once: the memory and apiserver load watch-list exists to remove, largest for big collections and many informers.',
  },
};

const OUTCOME_WORDS: Partial<Record<ClientVerdict['outcome'], string>> = {
  syncs: 'syncs',
  'never-syncs': 'never syncs',
  'falls-back': 'falls back to LIST+WATCH and syncs',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function exitCodeFor(outcome: ExplainOutcome): 0 | 1 | 2 {
  if (outcome === 'syncs' || outcome === 'syncs-via-fallback') return 0;
  if (outcome === 'hangs') return 1;
  return 2;
}

/** "3 ADDED" or "2 ADDED, 1 MODIFIED". */
function typeSummary(types: string[]): string {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${n} ${t}`).join(', ');
}

export function explainProbe(input: ExplainInput): Explanation {
  const { probe } = input;
  const { stream, resource } = probe;
  const verdictOfClass: ProbeClassification = classifyWatchListProbe(stream, probe.probeTimeoutMs);
  const record: RunRecord = {
    anchorWallMs: input.anchorWallMs,
    streams: [stream],
    lists: input.fallbackList ? [{ ...input.fallbackList, scenario: 'list' }] : [],
    writes: [],
    endedAtMs: probe.endedAtMs,
  };
  const v35 = deriveClientVerdicts(record);
  const clientGo = v35.find((v) => v.profile === 'client-go>=0.35' || v.profile === 'client-go>=0.35 typed') ?? null;
  const clientGoDynamic = v35.find((v) => v.profile === 'client-go>=0.35 dynamic') ?? null;
  const sentAtMs = stream.request.sentAtMs;
  const response = responseOf(stream);
  const close = closeOf(stream);
  const name = resource.group ? `${resource.resource}.${resource.group}` : resource.resource;
  const where = probe.namespace ? `in namespace ${probe.namespace}` : resource.namespaced ? 'in all namespaces' : '(cluster-scoped)';
  const since = (atMs: number) => formatMs(atMs - sentAtMs);

  const requestStep: ExplainStep = {
    text:
      `The reflector of a client-go v0.35+ informer (WatchListClient on by default) starts with one watch-list request ${where} and no LIST. ` +
      `client-go asks for timeoutSeconds between 300 and 600; watchmark asked for ${stream.request.options.timeoutSeconds} so that it ends the probe itself after at most ${formatMs(probe.probeTimeoutMs)}.`,
    verbatim: [`GET ${stream.request.path}`, ...(stream.request.accept ? [`Accept: ${stream.request.accept}`] : [])],
  };
  // --encoding protobuf: say whether the answer was protobuf, and that a JSON one is a legal fallback.
  const encodingNote = !askedForProtobuf(stream.request) || !response
    ? ''
    : isProtobufResponse(response.contentType)
      ? '; protobuf, as kube components get it'
      : '; asked for protobuf, answered JSON: legal (client-go decodes it too; custom resources are only served in JSON)';
  const responseHead = response ? `The server answered ${response.status} after ${since(response.atMs)} (HTTP/${response.httpVersion}, ${response.contentType ?? 'no Content-Type'}${encodingNote})` : '';

  const cls = verdictOfClass.classification;
  let outcome: ExplainOutcome;
  let headline: string;
  const steps: ExplainStep[] = [requestStep];
  let rootCause: string | null = null;
  let fixes: Fix[] = [];
  let fallbackList: Explanation['fallbackList'] = null;
  const logLines = clientGo?.logLines ?? [];
  const warningLines = logLines.filter((l) => l.line.includes('Warning: event bookmark expired'));
  // "1–2" where a tick is a coin toss (ClientVerdict.warningsRange), else the exact count.
  const range = clientGo?.warningsRange;
  const warningCount = (word: string) =>
    range !== undefined ? `${range.min}–${range.max} ${word}s` : plural(warningLines.length, word);
  const rangeNote = range !== undefined ? ` The count is ${range.min}–${range.max}, not exact: ${range.why} (under ${TICK_RACE_MS} ms), so whether a real informer logs that line depends on scheduling.` : '';

  switch (cls) {
    case 'supports': {
      const end = eventsOf(stream).find(isInitialEventsEndBookmark)!;
      const initial = eventsOf(stream).filter((e) => isChangeEvent(e) && e.seq < end.seq);
      const afterMs = end.atMs - sentAtMs;
      steps.push({
        text:
          `${responseHead}, sent ${plural(initial.length, 'initial event')}${initial.length > 0 ? ` (${typeSummary(initial.map((e) => e.type))})` : ''}, ` +
          `then ${END_BOOKMARK} (resourceVersion ${resourceVersionOf(end) ?? '?'}) ${formatMs(afterMs)} after the request.`,
      });
      steps.push({
        text: `The reflector replaces its store with ${initial.length === 0 ? 'the empty initial state' : initial.length === 1 ? 'that object' : `those ${initial.length} objects`}; HasSynced() becomes true ${formatMs(afterMs)} after the request, and the same stream goes on as the informer's watch. No LIST is sent.`,
      });
      if (warningLines.length > 0) {
        steps.push({
          text: `While it waited for the bookmark the reflector logged ${warningCount('warning')} (klog Info, visible by default; only log lines: no retry, relist or fallback). The informer starts ${formatMs(afterMs)} late.${rangeNote}`,
          verbatim: warningLines.map((l) => logAt(l)),
        });
        rootCause = `The server sends the end bookmark only ${formatMs(afterMs)} after the request; client-go's 10 s ticker logs "Warning: event bookmark expired" while it waits. Nothing hangs; it only delays the start.`;
        headline = `${name} syncs late: end bookmark after ${formatMs(afterMs)} (${plural(initial.length, 'initial event')}), with ${warningCount('"Warning: event bookmark expired" line')} on the way`;
      } else {
        steps.push({ text: 'Nothing is logged at the default verbosity (at -v=4: "Exiting watch because received the bookmark that marks the end of initial events stream").' });
        headline = `${name} syncs: end bookmark after ${formatMs(afterMs)} (${plural(initial.length, 'initial event')})`;
      }
      outcome = 'syncs';
      break;
    }

    case 'accepts-and-ignores': {
      const changes = eventsOf(stream).filter(isChangeEvent);
      const bookmarks = eventsOf(stream).filter((e) => e.type === 'BOOKMARK');
      const annotatedElsewhere = bookmarks.find(isInitialEventsEndBookmark);
      const serverClosed = close !== undefined && close.reason !== 'client-abort';
      const ending = serverClosed
        ? `the server ended the watch ${since(close.atMs)} after the request (${close.reason}) without it`
        : `none came within ${formatMs(probe.probeTimeoutMs)} (watchmark then closed the watch)`;
      steps.push({
        text:
          `${responseHead} and sent ${plural(changes.length, 'initial event')}${changes.length > 0 ? ` (${typeSummary(changes.map((e) => e.type))})` : ''}` +
          `${bookmarks.length > 0 && !annotatedElsewhere ? ` and ${plural(bookmarks.length, 'BOOKMARK')} without the annotation` : ''}. ` +
          (annotatedElsewhere
            ? `It did send an annotated BOOKMARK, but its object's kind/apiVersion is not ${resource.kind} ${resource.apiVersion}: a typed informer drops it ("Unexpected watch event object type") before looking at it.`
            : `The reflector waits for ${END_BOOKMARK}; ${ending}.`),
      });
      steps.push({
        text: `The reflector keeps the events in a temporary store. Its real store is never filled (no Replace) and HasSynced() stays false: WaitForCacheSync never returns, and controllers waiting for this informer never start.`,
      });
      steps.push(
        warningLines.length > 0
          ? {
              text: `Every 10 s while it waits, the ticker logs (klog Info, visible by default):${rangeNote}`,
              verbatim: [...warningLines.map((l) => logAt(l)), ...(serverClosed ? [] : ['… and again every 10 s'])],
            }
          : {
              text: `Every 10 s while it waits, the ticker logs "Warning: event bookmark expired" (klog Info, visible by default); watchmark stopped after ${formatMs(probe.probeTimeoutMs)}, before the first tick (a --probe-timeout above 10 s shows the exact lines).`,
            },
      );
      steps.push({
        text:
          'When the watch ends (at the timeoutSeconds client-go sent, 5 to 10 minutes, or earlier if the server closes it), the reflector sends the same watch-list request again at once: no backoff, no fallback to LIST (client-go v0.35 watchList loop; kubernetes/kubernetes#140890). The informer never syncs.',
      });
      rootCause = annotatedElsewhere
        ? `The server sends an annotated end bookmark, but not as an object of the watched kind ${resource.kind} ${resource.apiVersion}, so client-go skips it.`
        : `The server accepts sendInitialEvents=true (HTTP 200) but does not end the initial events with ${END_BOOKMARK}` +
          (bookmarks.length === 0
            ? ' (it sent no BOOKMARK at all): it seems to ignore sendInitialEvents/allowWatchBookmarks after validation (kinm does exactly that). client-go has no capability detection for this; only an error makes it fall back.'
            : ' (its bookmarks lack the annotation). client-go has no capability detection for this; only an error makes it fall back.');
      fixes = [FIXES['end-bookmark'], FIXES['reject-watch-list'], FIXES['per-client-opt-out'], FIXES['disable-watch-list-client']];
      outcome = 'hangs';
      headline = `HANGS: a client-go v0.35+ informer never syncs ${name} on this server (${verdictOfClass.evidence})`;
      break;
    }

    case 'rejects-cleanly': {
      const answeredAt = response ? ` after ${since(response.atMs)}` : '';
      steps.push({ text: `The server's answer${answeredAt}: ${verdictOfClass.evidence}.` });
      const fallbackLine = logLines.find((l) => l.line.includes("Data couldn't be fetched in watchlist mode"));
      steps.push({
        text: 'watchList() returns that error and the reflector falls back to LIST+WATCH. client-go v0.35+ logs it only at -v=4 (v0.33/v0.34 with WatchListClient on logged it as an error: "The watchlist request ended with an error, falling back to the standard LIST/WATCH semantics because making progress is better than deadlocking"):',
        ...(fallbackLine ? { verbatim: [logAt(fallbackLine)] } : {}),
      });
      const list = input.fallbackList;
      if (list) {
        const ok = list.status === 200 && list.itemCount !== undefined;
        fallbackList = {
          request: `GET ${list.path}`,
          status: list.status,
          itemCount: list.itemCount ?? null,
          durationMs: Math.round((list.atMs - list.sentAtMs) * 1000) / 1000,
          error: list.error ?? null,
        };
        steps.push({
          text: ok
            ? `It then LISTs the collection; watchmark sent the same LIST: ${list.status}, ${plural(list.itemCount!, 'item')} in ${formatMs(list.atMs - list.sentAtMs)}. HasSynced() becomes true once the LIST is in${clientGo?.syncedAfterMs != null ? ` (about ${formatMs(clientGo.syncedAfterMs)} after the watch-list request)` : ''}; then it watches from the list's resourceVersion with allowWatchBookmarks=true, where bookmarks are optional and the 10 s ticker is off.`
            : `It then LISTs the collection; watchmark sent the same LIST and got ${list.status > 0 ? `HTTP ${list.status}` : 'no response'}${list.error ? `: ${list.error}` : ''}. The reflector retries the LIST with backoff (800 ms doubling to 30 s) and HasSynced() stays false while it fails.`,
          verbatim: [`GET ${list.path}`],
        });
        outcome = ok ? 'syncs-via-fallback' : 'hangs';
      } else {
        outcome = 'syncs-via-fallback';
      }
      steps.push({
        text: 'Cost: every ListAndWatch (the informer start, and every relist after a watch error) tries the watch-list again, gets the same error and LISTs the whole collection: one response with every object, held in memory by the apiserver and by the client at once. That load is what watch-list exists to remove; it grows with the collection and the number of informers.',
      });
      rootCause = `The server does not serve watch-list for ${name} and says so (${verdictOfClass.evidence}); client-go copes by falling back. Nothing to fix for correctness; to avoid the LIST cost, serve watch-list (kube-apiserver: the WatchList feature gate, on by default from 1.34).`;
      fixes = [FIXES['end-bookmark']];
      headline =
        outcome === 'syncs-via-fallback'
          ? `${name} syncs via the LIST fallback: the server rejects watch-list cleanly (${verdictOfClass.evidence})`
          : `HANGS: the server rejects watch-list and client-go's fallback LIST fails too (${fallbackList?.error ?? `HTTP ${fallbackList?.status}`})`;
      break;
    }

    case 'inconclusive':
      steps.push({ text: `${capitalize(verdictOfClass.reason)}.` });
      steps.push({ text: 'That is a transient answer, not a capability answer: the informer keeps retrying the watch-list and syncs once the server answers it. Probe again later.' });
      outcome = 'retries';
      headline = `inconclusive: ${verdictOfClass.evidence}`;
      break;

    case 'forbidden':
      steps.push({ text: `${capitalize(verdictOfClass.reason)}.` });
      steps.push({
        text: `An informer with these credentials gets the same answer; its fallback LIST needs the list verb as well, so it cannot sync either. This is RBAC, not watch-list support: check \`kubectl auth can-i watch ${name}${probe.namespace ? ` -n ${probe.namespace}` : ' --all-namespaces'}\`, or probe one namespace with --namespace.`,
      });
      outcome = 'not-permitted';
      headline = `not permitted: ${verdictOfClass.evidence}`;
      break;

    case 'error':
      steps.push({ text: `${capitalize(verdictOfClass.reason)}.` });
      steps.push({ text: 'The probe failed before the server answered whether it supports watch-list here; nothing can be said about client-go yet.' });
      outcome = 'unknown';
      headline = `the probe failed: ${verdictOfClass.evidence}`;
      break;
  }

  if (clientGoDynamic !== null) {
    const dynamicOutcome = OUTCOME_WORDS[clientGoDynamic.outcome] ?? clientGoDynamic.outcome;
    steps.push({
      text:
        `All of the above is what a typed informer does (the clientset's informer factory, e.g. Core().V1().ConfigMaps(): client-go's typed scheme, expected Go type checked). ` +
        `A dynamic informer (dynamicinformer) differs here: it ${dynamicOutcome}. ${clientGoDynamic.explanation}`,
    });
    headline += ` (typed informers; a dynamic informer ${dynamicOutcome})`;
  }

  return {
    schemaVersion: 1,
    kind: 'explain',
    tool: { ...TOOL },
    target: input.target,
    resource: { name, apiVersion: resource.apiVersion, kind: resource.kind, namespaced: resource.namespaced, namespace: probe.namespace },
    probe: { request: `GET ${stream.request.path}`, timeoutMs: probe.probeTimeoutMs },
    ...verdictOfClass,
    outcome,
    headline,
    steps,
    logLines,
    rootCause,
    fixes,
    fallbackList,
    clientGo,
    clientGoDynamic,
    exitCode: exitCodeFor(outcome),
  };
}

/** A log line with its time since the request, as `observe` prints them: "+10.004s  <line>". */
function logAt(line: { atMs: number; line: string }): string {
  return `+${(line.atMs / 1000).toFixed(3)}s  ${line.line}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
