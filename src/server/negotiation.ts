/**
 * Content negotiation, reduced to what this server can produce (JSON, and Kubernetes protobuf for
 * its built-in types) and consume (JSON and protobuf bodies, JSON merge patches). Pure.
 */
import { PROTOBUF_MEDIA_TYPE } from '../protobuf/k8s-codec.js';

export interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
}

export function parseMediaType(value: string): MediaRange | null {
  const [essence, ...rawParams] = value.split(';');
  const [type, subtype] = (essence ?? '').trim().toLowerCase().split('/');
  if (!type || !subtype) return null;
  const params: Record<string, string> = {};
  for (const raw of rawParams) {
    const eq = raw.indexOf('=');
    if (eq < 0) continue;
    params[raw.slice(0, eq).trim().toLowerCase()] = raw.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { type, subtype, params };
}

/**
 * Whether a plain JSON answer satisfies the Accept header. Absent/empty, `application/json`,
 * `application/*` and `*\/*` do; a range asking for a transformed object (`;as=Table`,
 * `;as=PartialObjectMetadata`, aggregated discovery `;as=APIGroupDiscoveryList`) does not, but
 * kubectl and client-go always list a plain `application/json` fallback after those.
 */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  for (const part of accept.split(',')) {
    const range = parseMediaType(part);
    if (!range) continue;
    if (range.params.q !== undefined && Number(range.params.q) === 0) continue;
    if (range.params.as !== undefined) continue;
    if (range.type === '*' && range.subtype === '*') return true;
    if (range.type === 'application' && (range.subtype === 'json' || range.subtype === '*')) return true;
  }
  return false;
}

export type BodyFormat = 'json' | 'merge-patch' | 'strategic-merge-patch' | 'json-patch' | 'apply-patch' | 'protobuf' | 'other';

/** Classifies a request body's Content-Type; absent means JSON, as in kube-apiserver. */
export function bodyFormat(contentType: string | undefined): BodyFormat {
  if (contentType === undefined || contentType.trim() === '') return 'json';
  const media = parseMediaType(contentType);
  if (!media) return 'other';
  const essence = `${media.type}/${media.subtype}`;
  switch (essence) {
    case 'application/json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge-patch';
    case 'application/strategic-merge-patch+json':
      return 'strategic-merge-patch';
    case 'application/json-patch+json':
      return 'json-patch';
    case 'application/apply-patch+yaml':
      return 'apply-patch';
    case PROTOBUF_MEDIA_TYPE:
      return 'protobuf';
    default:
      return 'other';
  }
}

/** What this server can answer in: JSON, or Kubernetes protobuf for the built-in types it serves. */
export type OutputFormat = 'json' | 'protobuf';

interface AcceptClause {
  range: MediaRange;
  q: number;
  index: number;
}

function qualityOf(range: MediaRange): number {
  if (range.params.q === undefined) return 1;
  const q = Number(range.params.q);
  return Number.isFinite(q) ? q : 1;
}

/**
 * The answer's format for an Accept header, as kube-apiserver's negotiation picks it
 * (apiserver `pkg/endpoints/handlers/negotiation`, munnerz/goautoneg ordering): clauses by q
 * descending, at equal q concrete types before wildcards, then in header order; the first clause
 * this server can produce wins. `application/vnd.kubernetes.protobuf,application/json` (kubectl
 * >= 1.32, client-go protobuf clients) is protobuf; `application/json,...protobuf` is JSON. The
 * `stream=watch` parameter does not matter (a watch and a GET negotiate alike). Clauses asking for
 * a transformed object (`;as=Table`, `;as=PartialObjectMetadata`) are skipped, so their JSON
 * fallback answers, as today. `application/*` stays JSON here (kube-apiserver 406s it; JSON was
 * this server's answer before protobuf). null: nothing acceptable (406). Absent/empty: JSON.
 */
export function negotiateOutput(accept: string | undefined, offers: readonly OutputFormat[] = ['json', 'protobuf']): OutputFormat | null {
  if (accept === undefined || accept.trim() === '') return offers[0] ?? null;
  const clauses: AcceptClause[] = [];
  accept.split(',').forEach((part, index) => {
    const range = parseMediaType(part);
    if (!range || range.params.as !== undefined) return;
    const q = qualityOf(range);
    if (q <= 0) return;
    clauses.push({ range, q, index });
  });
  const wildcards = (r: MediaRange) => (r.type === '*' ? 1 : 0) + (r.subtype === '*' ? 1 : 0);
  clauses.sort((a, b) => b.q - a.q || wildcards(a.range) - wildcards(b.range) || a.index - b.index);
  for (const { range } of clauses) {
    const essence = `${range.type}/${range.subtype}`;
    if (essence === '*/*' || essence === 'application/*') {
      if (offers.includes('json')) return 'json';
      if (essence === '*/*' && offers.length > 0) return offers[0]!;
      continue;
    }
    if (essence === 'application/json' && offers.includes('json')) return 'json';
    if (essence === PROTOBUF_MEDIA_TYPE && offers.includes('protobuf')) return 'protobuf';
  }
  return null;
}
