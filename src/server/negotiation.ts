/**
 * Content negotiation, reduced to what this server can produce (JSON) and consume (JSON bodies,
 * JSON merge patches). Pure.
 */

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
    case 'application/vnd.kubernetes.protobuf':
      return 'protobuf';
    default:
      return 'other';
  }
}
