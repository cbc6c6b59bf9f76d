import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random.js';
import { eventTypeText, utf8Text } from './frame-text.js';
import { envelopeType } from './json-envelope.js';

const enc = new TextEncoder();

/** What the decoder decided with JSON.parse before json-envelope: the event type of an object frame, null for anything else. */
function byParse(frame: Uint8Array): string | null {
  let value: unknown;
  try {
    value = JSON.parse(utf8Text(Buffer.from(frame.buffer, frame.byteOffset, frame.length)));
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return eventTypeText((value as Record<string, unknown>)['type']);
}

/** Bytes that would change the answer if the scanner read past the frame's ends. */
const AROUND = enc.encode('1}]"\\ {');

/**
 * Three answers: for a Buffer of the frame, for a plain Uint8Array of it (utf8Text decodes them
 * differently), and for the frame given as a range of a larger buffer with bytes around it.
 */
function answers(frame: Uint8Array): { scan: string | null; plain: string | null; parse: string | null } {
  const around = Buffer.concat([AROUND, frame, AROUND]);
  const inRange = envelopeType(around, AROUND.length, AROUND.length + frame.length);
  const scan = envelopeType(Buffer.from(frame));
  return { scan: inRange === scan ? scan : `in a range: ${inRange}`, plain: envelopeType(new Uint8Array(frame)), parse: byParse(frame) };
}

function expectAgrees(text: string | Uint8Array): void {
  const frame = typeof text === 'string' ? enc.encode(text) : text;
  const { scan, plain, parse } = answers(frame);
  expect({ frame: utf8Text(Buffer.from(frame)), scan, plain }).toEqual({ frame: utf8Text(Buffer.from(frame)), scan: parse, plain: parse });
}

describe('envelopeType', () => {
  it('reads the type of one JSON object, as the parse would', () => {
    expect(envelopeType(enc.encode('{"type":"MODIFIED","object":{"kind":"ConfigMap","data":{"a":"b"}}}'))).toBe('MODIFIED');
    expect(envelopeType(enc.encode(' \t\r\n{"object":{"type":"ADDED"}}\n '))).toBe(''); // a nested "type" is not the event's
    expect(envelopeType(enc.encode('{"type":"ADDED","type":"DELETED"}'))).toBe('DELETED'); // the last one wins, as in JSON.parse
    expect(envelopeType(enc.encode('{"t\\u0079pe":"BOOKMARK"}'))).toBe('BOOKMARK'); // an escaped key
    expect(envelopeType(enc.encode('{"type":"A\\u0044DED"}'))).toBe('ADDED'); // an escaped value
    expect(envelopeType(enc.encode('{"type" : 7 , "object":{}}'))).toBe('7'); // not a string: its JSON text
    expect(envelopeType(enc.encode('{"type":{"b": [1, {}] },"x":[]}'))).toBe('{"b":[1,{}]}');
    expect(envelopeType(enc.encode('{"type":"ünï ✓"}'))).toBe('ünï ✓');
    expect(envelopeType(enc.encode('{}'))).toBe('');
  });

  it('refuses what is not exactly one JSON object', () => {
    const refused = [
      '',
      '   ',
      '[]',
      '"type"',
      '12',
      'null',
      '{',
      '}',
      '{"a":1}}',
      '{"a":1}{"b":2}',
      '{"a":1,}',
      '{,"a":1}',
      '{"a"}',
      '{"a":}',
      '{"a" 1}',
      '{a:1}',
      "{'a':1}",
      '{"a":[1,]}',
      '{"a":[,1]}',
      '{"a":[1 2]}',
      '{"a":{"b":1]}',
      '{"a":[1}',
      '{"a":01}',
      '{"a":-}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":1e}',
      '{"a":1e+}',
      '{"a":+1}',
      '{"a":0x10}',
      '{"a":NaN}',
      '{"a":tru}',
      '{"a":truex}',
      '{"a":nul}',
      '{"a":"\\x"}',
      '{"a":"\\u12g4"}',
      '{"a":"\\u123"}',
      '{"a":"line\nbreak"}',
      '{"a":"tab\there"}',
      '{"a":"open}',
      '{"a":"end\\"}',
      '{"a":1}\u00a0',
      '\ufeff{"a":1}',
      '{"a":1} x',
    ];
    for (const text of refused) expect([text, envelopeType(enc.encode(text))]).toEqual([text, null]);
    // A range of a larger buffer: the bytes around it are not the frame's.
    const around = enc.encode('[{"type":"X","n":1');
    expect(envelopeType(Buffer.concat([around, enc.encode('2}]')]), 1, around.length)).toBeNull();
    expect(envelopeType(Buffer.concat([around, enc.encode('}]')]), 1, around.length + 1)).toBe('X');
    for (const text of refused) expectAgrees(text);
  });

  it('agrees with JSON.parse on numbers, escapes and whitespace at their edges', () => {
    const cases = [
      String.raw`{"n":-0}`,
      String.raw`{"n":1E5,"m":1e-5,"o":-1.25E+10,"p":0.0}`,
      String.raw`{"n":123456789012345678901234567890}`,
      String.raw`{"n":-01}`,
      String.raw`{"n":1.e5}`,
      String.raw`{"n":--1}`,
      String.raw`{"s":"\\"}`,
      String.raw`{"s":"\\\""}`,
      String.raw`{"s":"\u0000\uD800\udfff"}`,
      String.raw`{"type":"\"quoted\""}`,
      String.raw`{"type":"A","\u0074\u0079\u0070\u0065":"B"}`,
      String.raw`{"\u0074\u0079\u0070\u0065":"B","type":"A"}`,
      String.raw`{"type ":"A"}`,
      String.raw`{"Type":"A"}`,
      '\r\n\t {\r\n"type"\t:\r\n"A"\r\n}\r\n',
      '{"type":"A"}\u000b',
      String.raw`{"s":"\u00"}`,
      '{"s":"\\',
      String.raw`{"a":true,"b":false,"c":null}`,
      String.raw`{"a":[true,false,null,[],{},""]}`,
    ];
    for (const text of cases) expectAgrees(text);
    expect(envelopeType(enc.encode(String.raw`{"type":"A","\u0074\u0079\u0070\u0065":"B"}`))).toBe('B');
    expect(envelopeType(enc.encode(String.raw`{"type":"\"quoted\""}`))).toBe('"quoted"');
  });

  it('accepts bytes that are not UTF-8 inside strings (they read as U+FFFD) and refuses them outside', () => {
    const inString = Uint8Array.from([...enc.encode('{"type":"A'), 0xff, 0xc3, ...enc.encode('","o":"'), 0xed, 0xa0, 0x80, 0xe2, ...enc.encode('"}')]);
    expect(envelopeType(Buffer.from(inString))).toBe('A\ufffd\ufffd');
    expectAgrees(inString);
    expectAgrees(Uint8Array.from([...enc.encode('{"a":1'), 0xff, ...enc.encode('}')]));
  });

  it('nests as deep as the parse does', () => {
    for (const depth of [1, 63, 64, 65, 200, 5000]) {
      expectAgrees(`{"type":"X","o":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      expectAgrees(`{"type":"X","o":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`);
      expectAgrees(`{"type":"X","o":${'['.repeat(depth)}${']'.repeat(depth - 1)}}`);
    }
  });

  it('agrees with JSON.parse on generated JSON objects, compact or spaced', () => {
    const typeValue = fc.oneof(fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'), fc.string(), fc.jsonValue());
    const envelope = fc
      .tuple(fc.dictionary(fc.string(), fc.jsonValue()), fc.option(typeValue, { nil: undefined }), fc.boolean())
      .map(([rest, type, first]) => (type === undefined ? rest : first ? { type, ...rest } : { ...rest, type }))
      // A "type" inside the object is not the event's.
      .map((value) => ({ ...value, object: { type: 'Inner', ...(value['object'] as object) } }));
    fc.assert(
      fc.property(envelope, fc.integer({ min: 0, max: 3 }), (value, indent) => {
        const { scan, plain, parse } = answers(enc.encode(JSON.stringify(value, null, indent)));
        expect({ scan, plain }).toEqual({ scan: parse, plain: parse });
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with JSON.parse on mutated frames (bytes flipped, inserted, deleted, cut)', () => {
    const random = seededRandom(0x15_0005);
    const seeds = [
      JSON.stringify({
        type: 'MODIFIED',
        object: {
          kind: 'ConfigMap',
          metadata: { name: 'a', resourceVersion: '12', labels: { x: 'y' }, annotations: { n: 'ünï ✓ "q" \\ \u2028' } },
          data: { list: [1, -2.5e3, 0, true, false, null, [], {}, 'é'] },
        },
      }),
      '{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"5","annotations":{"k8s.io/initial-events-end":"true"}}}}',
      '{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","details":{"causes":[{"a":0.5e-2}]}}}',
      '{ "type" : "ADDED" , "object" : [ 1 , { "a" : "\\u00e9\\n" } ] , "t\\u0079pe" : 3 }',
      '{"object":{"type":"Inner","spec":{"type":[{"type":"deep"}]}},"type":"OUTER"}',
    ].map((text) => enc.encode(text));
    const alphabet = enc.encode('{}[]":,\\ \t\r\n0123456789-+.eEtrufalsnxu/bAF');
    const extra = [0x00, 0x1f, 0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xff];
    const pick = (n: number) => Math.floor(random() * n);
    let accepted = 0;
    for (let run = 0; run < 20_000; run++) {
      const bytes = [...seeds[pick(seeds.length)]!];
      const edits = 1 + pick(3);
      for (let e = 0; e < edits; e++) {
        const at = pick(bytes.length + 1);
        const byte = random() < 0.85 ? alphabet[pick(alphabet.length)]! : extra[pick(extra.length)]!;
        const op = pick(4);
        if (op === 0) bytes[Math.min(at, bytes.length - 1)] = byte;
        else if (op === 1) bytes.splice(at, 0, byte);
        else if (op === 2) bytes.splice(at, 1);
        else bytes.length = Math.max(0, Math.min(bytes.length, at + pick(3)));
      }
      const frame = Uint8Array.from(bytes);
      const { scan, plain, parse } = answers(frame);
      if (scan !== parse || plain !== parse) expectAgrees(frame); // prints the frame
      if (parse !== null) accepted++;
    }
    // Both kinds were compared: some mutations keep a valid object, most break it.
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(19_000);
  });
});
