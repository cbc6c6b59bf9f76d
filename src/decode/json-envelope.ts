/**
 * Is a frame one JSON object, and what is its `type`? Answered from the bytes, without building
 * the object: the decoder must know both when an event arrives (a frame that is not one JSON
 * object is malformed, and the type names the event), but nothing reads the object then, and
 * building it was most of the decoder's time (issue 15). The object is parsed when first read
 * (arena-event.ts). Pure.
 *
 * It accepts exactly what `JSON.parse(utf8Text(frame))` parses to an object (RFC 8259, which
 * ECMAScript's JSON.parse follows), so a frame is an event here if and only if it would be one
 * with the parse: the differential tests hold the two together on generated and mutated frames.
 * Bytes suffice: UTF-8 decoding never turns a byte of 0x80 or more into an ASCII character, nor
 * swallows an ASCII byte (an ill-formed sequence becomes U+FFFD, which may stand in a string), so
 * every structural character, quote and escape is where the bytes say.
 */
import { WATCH_EVENT_TYPES } from '../record/timeline.js';
import { eventTypeText, utf8Text } from './frame-text.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** JSON's four whitespace bytes. */
const WHITESPACE = new Uint8Array(256);
WHITESPACE[0x20] = WHITESPACE[0x09] = WHITESPACE[0x0a] = WHITESPACE[0x0d] = 1;

/** The characters a backslash may escape, besides `u`. */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

// What the scanner expects next.
const VALUE = 0; // a value (after ':', or after ',' in an array)
const KEY_OR_CLOSE = 1; // after '{': a key or '}'
const KEY = 2; // after ',' in an object: a key
const VALUE_OR_CLOSE = 3; // after '[': a value or ']'
const AFTER_VALUE = 4; // ',' or the close of the open container

/** Open containers, innermost last: 1 an object, 0 an array. Grown when a frame nests deeper. */
let containers = new Uint8Array(64);

/** The top-level "type" member's value in the last scan: [typeStart, typeEnd), or typeStart -1. */
let typeStart = -1;
let typeEnd = -1;

/**
 * The event type of the frame `b[start, end)` (eventTypeText of its top-level `type` member: ""
 * when it has none) when the frame is exactly one JSON object, whitespace around it allowed; null
 * when it is anything else (invalid JSON, another kind of value, or more than one value). Bytes
 * outside the frame are never read.
 */
export function envelopeType(b: Uint8Array, start = 0, end = b.length): string | null {
  if (!isJsonObject(b, start, end)) return null;
  if (typeStart < 0) return '';
  let last = typeEnd;
  while (WHITESPACE[b[last - 1]!] === 1) last--;
  if (b[typeStart] === QUOTE && !hasByte(b, typeStart + 1, last - 1, BACKSLASH)) {
    return knownType(b, typeStart + 1, last - 1) ?? utf8Text(b.subarray(typeStart + 1, last - 1));
  }
  return eventTypeText(JSON.parse(utf8Text(b.subarray(typeStart, last))));
}

/** The watch event types, as bytes: the type of almost every frame is one of them, read without making a string. */
const KNOWN_TYPES = WATCH_EVENT_TYPES.map((type) => ({ type, bytes: Buffer.from(type, 'latin1') }));

function knownType(b: Uint8Array, from: number, to: number): string | undefined {
  outer: for (const { type, bytes } of KNOWN_TYPES) {
    if (bytes.length !== to - from) continue;
    for (let k = 0; k < bytes.length; k++) if (b[from + k] !== bytes[k]) continue outer;
    return type;
  }
  return undefined;
}

function hasByte(bytes: Uint8Array, from: number, to: number, byte: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] === byte) return true;
  return false;
}

/** Whether `b[start, end)` is one JSON object; records where its top-level "type" value is. */
function isJsonObject(b: Uint8Array, start: number, end: number): boolean {
  typeStart = -1;
  typeEnd = -1;
  let i = start;
  while (i < end && WHITESPACE[b[i]!] === 1) i++;
  if (i === end || b[i] !== OPEN_BRACE) return false;
  containers[0] = 1;
  let depth = 1;
  i++;
  let state = KEY_OR_CLOSE;
  // At depth 1: the value being read is the "type" member's (its start is typeStart).
  let inType = false;
  for (;;) {
    let c = 0;
    while (i < end && WHITESPACE[(c = b[i]!)] === 1) i++;
    if (i === end) return false;
    switch (state) {
      case AFTER_VALUE: {
        const object = containers[depth - 1] === 1;
        if (c === COMMA) {
          if (inType && depth === 1) {
            typeEnd = i;
            inType = false;
          }
          i++;
          state = object ? KEY : VALUE;
          continue;
        }
        if (c !== (object ? CLOSE_BRACE : CLOSE_BRACKET)) return false;
        if (inType && depth === 1) {
          typeEnd = i;
          inType = false;
        }
        i++;
        if (--depth === 0) {
          while (i < end && WHITESPACE[b[i]!] === 1) i++;
          return i === end;
        }
        continue;
      }
      case KEY_OR_CLOSE:
      case KEY: {
        if (c === CLOSE_BRACE && state === KEY_OR_CLOSE) {
          i++;
          if (--depth === 0) {
            while (i < end && WHITESPACE[b[i]!] === 1) i++;
            return i === end;
          }
          state = AFTER_VALUE;
          continue;
        }
        if (c !== QUOTE) return false;
        const keyStart = i;
        i = stringEnd(b, i + 1, end);
        if (i < 0) return false;
        const isType = depth === 1 && isTypeKey(b, keyStart, i);
        while (i < end && WHITESPACE[b[i]!] === 1) i++;
        if (i === end || b[i] !== COLON) return false;
        i++;
        if (isType) {
          while (i < end && WHITESPACE[b[i]!] === 1) i++;
          typeStart = i;
          inType = true;
        }
        state = VALUE;
        continue;
      }
      default: {
        // VALUE or VALUE_OR_CLOSE
        if (c === QUOTE) {
          i = stringEnd(b, i + 1, end);
          if (i < 0) return false;
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          if (depth === containers.length) {
            const grown = new Uint8Array(containers.length * 2);
            grown.set(containers);
            containers = grown;
          }
          containers[depth++] = c === OPEN_BRACE ? 1 : 0;
          i++;
          state = c === OPEN_BRACE ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
          continue;
        } else if (c === CLOSE_BRACKET && state === VALUE_OR_CLOSE) {
          i++;
          depth--; // an empty array: depth stays at least 1, the envelope is open
        } else {
          i = scalarEnd(b, i, end);
          if (i < 0) return false;
        }
        state = AFTER_VALUE;
        continue;
      }
    }
  }
}

/** The key b[start, end) (quotes included) is "type", escapes decoded. */
function isTypeKey(b: Uint8Array, start: number, end: number): boolean {
  if (end - start === 6) {
    return b[start + 1] === 0x74 && b[start + 2] === 0x79 && b[start + 3] === 0x70 && b[start + 4] === 0x65;
  }
  return hasByte(b, start + 1, end - 1, BACKSLASH) && JSON.parse(utf8Text(b.subarray(start, end))) === 'type';
}

/** After the opening quote at i - 1: the index past the closing quote, or -1 if the string is not valid JSON. */
function stringEnd(b: Uint8Array, i: number, end: number): number {
  for (;;) {
    let c = 0;
    // Most bytes of a Kubernetes object are string contents: a tight loop to the next one that matters.
    while (i < end && (c = b[i]!) !== QUOTE && c !== BACKSLASH && c >= 0x20) i++;
    if (i === end || c < 0x20) return -1;
    if (c === QUOTE) return i + 1;
    c = b[i + 1]!;
    if (c === 0x75) {
      // \uXXXX
      if (i + 6 > end || HEX[b[i + 2]!] !== 1 || HEX[b[i + 3]!] !== 1 || HEX[b[i + 4]!] !== 1 || HEX[b[i + 5]!] !== 1) return -1;
      i += 6;
    } else if (i + 1 < end && SIMPLE_ESCAPE[c] === 1) {
      i += 2;
    } else {
      return -1;
    }
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** A number, `true`, `false` or `null` starting at i: the index past it, or -1. */
function scalarEnd(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  if (c === 0x74) return i + 4 <= end && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 ? i + 4 : -1;
  if (c === 0x66) {
    return i + 5 <= end && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65 ? i + 5 : -1;
  }
  if (c === 0x6e) return i + 4 <= end && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? i + 4 : -1;
  if (c === 0x2d) i++;
  // int: 0 or [1-9][0-9]*
  if (i < end && b[i] === 0x30) i++;
  else if (i < end && b[i]! >= 0x31 && b[i]! <= 0x39) {
    i++;
    while (i < end && isDigit(b[i]!)) i++;
  } else return -1;
  // frac: . [0-9]+
  if (i < end && b[i] === 0x2e) {
    i++;
    if (i === end || !isDigit(b[i]!)) return -1;
    while (i < end && isDigit(b[i]!)) i++;
  }
  // exp: [eE] [+-]? [0-9]+
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (i === end || !isDigit(b[i]!)) return -1;
    while (i < end && isDigit(b[i]!)) i++;
  }
  return i;
}
