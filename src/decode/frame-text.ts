/**
 * The texts the watch decoder puts into timeline entries: an envelope's event type, a malformed
 * frame's raw text (cut to MAX_RAW_BYTES) and why it is malformed, in the words of JSON parse
 * errors. Pure.
 */

/** Malformed frames keep at most this many bytes of their text. */
export const MAX_RAW_BYTES = 4096;

const utf8 = new TextDecoder('utf-8');

/**
 * `bytes` as text (invalid UTF-8 as U+FFFD). A Buffer (what undici hands out, and its subarrays)
 * is decoded by Buffer's toString, measurably faster per frame than TextDecoder, with the same
 * result: both replace ill-formed sequences as the WHATWG Encoding standard says. A leading BOM
 * is kept by Buffer's toString and dropped by TextDecoder, but no JSON frame starts with one (the decoders
 * begin a frame at `{`).
 */
export function utf8Text(bytes: Uint8Array): string {
  return Buffer.isBuffer(bytes) ? bytes.toString('utf8') : utf8.decode(bytes);
}

/**
 * The envelope's `type` as text. A string is kept as is (unknown types included: client-go
 * answers "got invalid watch event type"); a missing type is "", anything else its JSON text
 * (client-go fails to decode such an envelope: WatchEvent.Type is a Go string).
 */
export function eventTypeText(type: unknown): string {
  if (typeof type === 'string') return type;
  if (type === undefined) return '';
  return JSON.stringify(type);
}

/** The frame's text cut to MAX_RAW_BYTES on a UTF-8 character boundary. */
export function rawText(frame: Uint8Array): string {
  if (frame.length <= MAX_RAW_BYTES) return utf8.decode(frame);
  let cut = MAX_RAW_BYTES;
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (frame[cut]! & 0xc0) === 0x80) cut--;
  return utf8.decode(frame.subarray(0, cut));
}

/** Bytes that can continue a number or literal. */
export function isScalarByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || // 0-9
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x41 && b <= 0x5a) || // A-Z
    b === 0x2e || // .
    b === 0x2b || // +
    b === 0x2d // -
  );
}

export function parseScalar(token: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(token)) as unknown };
  } catch {
    return undefined;
  }
}

export function unexpectedToken(token: Uint8Array): string {
  return `not JSON: unexpected token "${truncateText(utf8.decode(token.subarray(0, 64)), 40)}"`;
}

export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof value;
  }
}

export function describeByte(b: number): string {
  const hex = `0x${b.toString(16).padStart(2, '0')}`;
  return b >= 0x21 && b <= 0x7e ? `'${String.fromCharCode(b)}' (${hex})` : `byte ${hex}`;
}

/** "64 MiB", "1.5 KiB", "900 bytes". */
export function describeSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}
