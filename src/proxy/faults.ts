/**
 * The faults `watchmark proxy` injects, as one registry: name, what its value is, and what it
 * does. `parseFaults` turns `--fault` values into a typed set (WM_USAGE naming the bad value
 * otherwise); everything else (help, README, the log lines) reads from FAULTS.
 */
import { WatchmarkError } from '../errors.js';
import { parseDurationMs, parseSizeBytes } from '../units.js';

type ValueKind = 'none' | 'duration' | 'fraction' | 'count' | 'rate' | 'status';

interface FaultDefinition {
  name: string;
  value: ValueKind;
  /** Where it acts: the request (answered or rewritten by the proxy) or the watch response stream. */
  acts: 'request' | 'stream';
  help: string;
}

export const FAULTS = [
  { name: 'strip-end-bookmark', value: 'none', acts: 'stream', help: 'drop the BOOKMARK annotated k8s.io/initial-events-end (a client-go v0.35+ informer never syncs)' },
  { name: 'delay-end-bookmark', value: 'duration', acts: 'stream', help: 'hold the initial-events-end bookmark (and what follows it) for D' },
  { name: 'strip-bookmarks', value: 'none', acts: 'stream', help: 'drop every BOOKMARK, the initial-events-end one included (a server without bookmark support)' },
  { name: 'delay-bookmarks', value: 'duration', acts: 'stream', help: 'hold every BOOKMARK (and what follows it) for D' },
  { name: 'drop-annotation', value: 'none', acts: 'stream', help: 'send the initial-events-end bookmark without its k8s.io/initial-events-end annotation' },
  { name: 'ignore-send-initial-events', value: 'none', acts: 'request', help: 'turn a watch-list into a legacy watch (sendInitialEvents and resourceVersionMatch removed, no end bookmark): kinm\'s behaviour' },
  { name: 'reset-after', value: 'duration', acts: 'stream', help: 'reset the watch D after its response headers (RST_STREAM on HTTP/2, TCP RST on HTTP/1.1)' },
  { name: 'stall-after', value: 'duration', acts: 'stream', help: 'stop forwarding D after the response headers, keeping the connection open' },
  { name: 'close-after', value: 'duration', acts: 'stream', help: 'end the watch cleanly (EOF) D after its response headers' },
  { name: 'slow', value: 'rate', acts: 'stream', help: 'forward at most BYTES per second (e.g. slow=2Ki)' },
  { name: 'split-frames', value: 'none', acts: 'stream', help: 'send every frame in three writes a few milliseconds apart (a conformant client reassembles them)' },
  { name: 'corrupt-frame', value: 'count', acts: 'stream', help: 'corrupt the Nth frame of each watch (1 = the first) so that it does not decode' },
  { name: 'drop-events', value: 'fraction', acts: 'stream', help: 'drop this fraction (0-1) of ADDED/MODIFIED/DELETED events' },
  { name: 'duplicate-events', value: 'fraction', acts: 'stream', help: 'send this fraction (0-1) of ADDED/MODIFIED/DELETED events twice' },
  { name: 'reorder-window', value: 'count', acts: 'stream', help: 'send each run of N consecutive events in reverse order' },
  { name: 'rewind-rv', value: 'none', acts: 'stream', help: 'once per watch, after its second live event, send the previous event again (an older resourceVersion)' },
  { name: 'answer-410', value: 'none', acts: 'request', help: 'answer every re-watch (a watch from a resourceVersion other than "" and "0") with a 410 Expired ERROR event, as kube-apiserver does for a too-old resourceVersion' },
  { name: 'answer-status', value: 'status', acts: 'request', help: 'answer matching requests with this HTTP status and a Kubernetes Status body, without forwarding them' },
] as const satisfies readonly FaultDefinition[];

export type FaultName = (typeof FAULTS)[number]['name'];
export const FAULT_NAMES: readonly FaultName[] = FAULTS.map((f) => f.name);

/** One `--fault` as parsed: its name and value (ms, a fraction, a count, bytes per second or a status code). */
export interface Fault {
  name: FaultName;
  /** Milliseconds (duration), 0-1 (fraction), N >= 1 (count), bytes/s (rate), 400-599 (status); 0 when it takes none. */
  value: number;
  /** The value as given, for messages. */
  text: string;
}

export function faultDefinition(name: FaultName): FaultDefinition {
  return FAULTS.find((f) => f.name === name)!;
}

const EXAMPLES: Record<ValueKind, string> = {
  none: '',
  duration: '=D (e.g. =30s, =500ms)',
  fraction: '=P, a fraction from 0 to 1 (e.g. =0.5)',
  count: '=N, a whole number from 1 (e.g. =3)',
  rate: '=BYTES per second (e.g. =2Ki, =512)',
  status: '=CODE, an HTTP error status from 400 to 599 (e.g. =503)',
};

function parseValue(def: FaultDefinition, raw: string | undefined, given: string): number {
  const flag = `--fault ${def.name}`;
  if (def.value === 'none') {
    if (raw !== undefined) throw new WatchmarkError('WM_USAGE', `--fault "${given}": ${def.name} takes no value`);
    return 0;
  }
  if (raw === undefined || raw.trim() === '') throw new WatchmarkError('WM_USAGE', `--fault "${given}": ${def.name} needs a value: ${def.name}${EXAMPLES[def.value]}`);
  const bad = () => new WatchmarkError('WM_USAGE', `--fault "${given}": the value is not ${EXAMPLES[def.value].slice(1)}`);
  switch (def.value) {
    case 'duration': {
      const ms = parseDurationMs(raw, flag);
      if (ms < 0) throw bad();
      return ms;
    }
    case 'fraction': {
      const p = Number(raw);
      if (!/^\d*\.?\d+$/.test(raw.trim()) || !(p >= 0 && p <= 1)) throw bad();
      return p;
    }
    case 'count': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || n < 1 || !Number.isSafeInteger(n)) throw bad();
      return n;
    }
    case 'rate':
      return parseSizeBytes(raw.replace(/(B)?\/s$/, ''), flag);
    case 'status': {
      const code = Number(raw);
      if (!/^\d{3}$/.test(raw.trim()) || code < 400 || code > 599) throw bad();
      return code;
    }
  }
}

/**
 * `--fault` values (repeatable, comma-separated) -> faults. Unknown names, missing or bad values
 * and a fault given twice are usage errors naming the value.
 */
export function parseFaults(values: readonly string[]): Fault[] {
  const out: Fault[] = [];
  for (const given of values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')) {
    const eq = given.indexOf('=');
    const name = eq < 0 ? given : given.slice(0, eq);
    const raw = eq < 0 ? undefined : given.slice(eq + 1);
    const def = FAULTS.find((f) => f.name === name);
    if (!def) throw new WatchmarkError('WM_USAGE', `--fault "${given}" is not a fault; faults: ${FAULT_NAMES.join(', ')}`);
    if (out.some((f) => f.name === def.name)) throw new WatchmarkError('WM_USAGE', `--fault ${def.name} is given twice`);
    out.push({ name: def.name, value: parseValue(def, raw, given), text: given });
  }
  const has = (n: FaultName) => out.some((f) => f.name === n);
  const exclusive: FaultName[] = ['reset-after', 'stall-after', 'close-after'];
  if (exclusive.filter(has).length > 1) throw new WatchmarkError('WM_USAGE', `--fault: ${exclusive.filter(has).join(' and ')} cannot be combined (each ends the stream its own way)`);
  if (has('strip-bookmarks') && (has('strip-end-bookmark') || has('delay-end-bookmark') || has('drop-annotation') || has('delay-bookmarks'))) {
    throw new WatchmarkError('WM_USAGE', '--fault strip-bookmarks already drops every bookmark; it cannot be combined with another bookmark fault');
  }
  if (has('strip-end-bookmark') && (has('delay-end-bookmark') || has('drop-annotation'))) {
    throw new WatchmarkError('WM_USAGE', '--fault strip-end-bookmark drops the end bookmark; it cannot be combined with delay-end-bookmark or drop-annotation');
  }
  return out;
}

/** The faults' help for `watchmark proxy --help`: one line each. */
export function faultHelp(): string {
  return FAULTS.map((f) => `${f.name}${f.value === 'none' ? '' : EXAMPLES[f.value].split(' ')[0]}`).join(', ');
}
