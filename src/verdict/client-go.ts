/**
 * What client-go informers would do on the recorded streams, per version and informer kind
 * (typed or dynamic), with and without a selector. The emulation itself is in reflector/
 * (decoder, walk, ticker) and record/status.ts; the verdicts are in client-go-watch-list.ts
 * (v0.35+) and client-go-list-watch.ts (v0.34 and before).
 */
import { hasSelector, isWatchListRequest, selectorText } from '../record/requests.js';
import type { RunRecord } from '../record/timeline.js';
import { hasTypedInformer, type InformerKind } from '../reflector/decoder.js';
import { listWatchVerdict } from './client-go-list-watch.js';
import { pickWatchListStream, watchListVerdict } from './client-go-watch-list.js';
import type { ClientProfile, ClientVerdict } from './types.js';

/** The same verdict, field by field (profile aside). */
function sameVerdict(a: ClientVerdict, b: ClientVerdict): boolean {
  return JSON.stringify({ ...a, profile: '' }) === JSON.stringify({ ...b, profile: '' });
}

const INFORMER_INTRO: Record<InformerKind, string> = {
  typed:
    'Typed informer (the clientset\'s informer factory, e.g. informers.NewSharedInformerFactory(...).Core().V1().ConfigMaps(): objects decoded with client-go\'s typed scheme, expected Go type checked): ',
  dynamic:
    'Dynamic informer (dynamicinformer: every object decoded into an Unstructured, example object without apiVersion/kind, so no expected GVK): ',
};

/**
 * The verdict of one client-go version for both informer kinds: one verdict named `generic` when
 * typed and dynamic informers behave the same on this record (or client-go has no typed informer
 * for the watched kind: custom resources), else `<generic> typed` and `<generic> dynamic`, each
 * explanation starting with what that kind of informer is.
 */
function perInformer(
  generic: 'client-go>=0.35' | 'client-go<=0.34',
  watched: { apiVersion: string; kind: string } | undefined,
  derive: (informer: InformerKind) => ClientVerdict | undefined,
): ClientVerdict[] {
  const dynamic = derive('dynamic');
  if (dynamic === undefined) return [];
  const typed = watched !== undefined && hasTypedInformer(watched) ? derive('typed') : undefined;
  if (typed === undefined || sameVerdict(typed, dynamic)) return [{ ...(typed ?? dynamic), profile: generic }];
  return [
    { ...typed, profile: `${generic} typed` as ClientProfile, explanation: INFORMER_INTRO.typed + typed.explanation },
    { ...dynamic, profile: `${generic} dynamic` as ClientProfile, explanation: INFORMER_INTRO.dynamic + dynamic.explanation },
  ];
}

/**
 * client-go >= v0.35 informers with a label or field selector (what most controllers run): their
 * ListWatch adds the selector to every request (tools/cache/listwatch.go
 * NewFilteredListWatchFromClient), so they start with a watch-list carrying it. Judged on the
 * record's selector watch-list streams; a verdict is added only where it differs from the
 * unfiltered informer's (a server that filters the end bookmark by selector: selector informers
 * never sync while unfiltered ones do). The first such stream is the one judged.
 */
function selectorInformerVerdict(record: RunRecord, unfiltered: readonly ClientVerdict[]): ClientVerdict | undefined {
  if (unfiltered.length === 0) return undefined;
  const streams = record.streams.filter((stream) => isWatchListRequest(stream.request.options) && hasSelector(stream.request.options));
  for (const stream of streams) {
    const [verdict, ...others] = perInformer('client-go>=0.35', stream.request.watched, (informer) => watchListVerdict(record, informer, stream));
    // Per-kind splits on a selector stream differ only where the unfiltered ones already do.
    if (verdict === undefined || others.length > 0) continue;
    if (unfiltered.every((other) => other.outcome === verdict.outcome)) continue;
    const selector = selectorText(stream.request.options);
    const unfilteredText = unfiltered.map((other) => `${other.profile} ${other.outcome}`).join(', ');
    return {
      ...verdict,
      profile: 'client-go>=0.35 with selector',
      selector,
      explanation:
        `Informers with a selector (${selector} on ${stream.id}; most controllers watch with one) start with the same watch-list plus the selector, ` +
        `and differ from unfiltered informers here (${unfilteredText}): ${verdict.explanation}`,
    };
  }
  return undefined;
}

/**
 * The client-go verdicts the record has the requests for: `client-go>=0.35` needs a watch-list
 * stream (the first one of scenario `watch-list`, else the first), `client-go<=0.34` needs a LIST
 * (scenario `list` preferred); a profile without its requests is omitted, never invented. Order:
 * client-go>=0.35 (then its selector variant), client-go<=0.34.
 */
export function clientGoVerdicts(record: RunRecord): ClientVerdict[] {
  const verdicts: ClientVerdict[] = [];
  const watchList = perInformer('client-go>=0.35', pickWatchListStream(record)?.request.watched, (informer) => watchListVerdict(record, informer));
  verdicts.push(...watchList);
  const withSelector = selectorInformerVerdict(record, watchList);
  if (withSelector !== undefined) verdicts.push(withSelector);
  const watched = record.streams.find((stream) => stream.scenario === 'watch')?.request.watched ?? record.streams[0]?.request.watched;
  verdicts.push(...perInformer('client-go<=0.34', watched, (informer) => listWatchVerdict(record, informer)));
  return verdicts;
}
