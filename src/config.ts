import { z } from 'zod';
import { WatchmarkError } from './errors.js';
import { SERVER_PROFILES, type ServerProfile } from './server/profiles.js';

/**
 * One source of truth for options: CLI flags (and later config files and environment) map onto
 * these schemas; the resolved config, secrets redacted, is printed into the JSON report.
 */
/** The embedded server's profiles, named once in server/profiles.ts. */
export const PROFILE_NAMES = SERVER_PROFILES as readonly [ServerProfile, ...ServerProfile[]];
const Profile = z.enum(PROFILE_NAMES);

export const ConnectionFlagsSchema = z.object({
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  server: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  certificateAuthority: z.string().min(1).optional(),
  insecureSkipTlsVerify: z.boolean().optional(),
  /** --request-timeout: 0 = no bound; unset = connect 30 s, response headers 60 s (transport/timeouts.ts). */
  requestTimeoutMs: z.number().nonnegative().optional(),
});

export const TARGET_NAMES = ['embedded', 'kube-apiserver', 'kube-apiserver-uncached', 'kine'] as const;

export const RunConfigSchema = ConnectionFlagsSchema.extend({
  /** Unset: the target's default resource (configmaps). */
  resource: z.string().min(1).optional(),
  target: z.enum(TARGET_NAMES).optional(),
  quick: z.boolean().default(false),
  /** --scenario values as given (names, files, "defaults"); empty = the suite's built-in set. */
  scenario: z.array(z.string().min(1)).default([]),
  failOn: z.enum(['fail', 'warn']).default('fail'),
  json: z.string().min(1).optional(),
  /** JUnit XML report file, or - for stdout. */
  junit: z.string().min(1).optional(),
  /** Self-contained HTML report file (not stdout). */
  html: z.string().min(1).refine((file) => file !== '-', 'write the HTML report to a file, not stdout').optional(),
  /** GitHub Actions annotations and step summary; unset = on when GITHUB_ACTIONS=true. */
  github: z.boolean().optional(),
  /** Recording file (NDJSON, `watchmark report FILE` replays it); not stdout. */
  record: z.string().min(1).refine((file) => file !== '-', 'write the recording to a file, not stdout').optional(),
  profile: Profile.default('reference'),
  color: z.boolean().optional(),
  /** Policy: fail when bookmarks are further apart than this (not a client-go requirement). */
  maxBookmarkIntervalMs: z.number().positive().optional(),
  /** Warn when an event arrives later than this after its write was acknowledged. */
  maxEventLatencyMs: z.number().positive().optional(),
  /** --all-resources: the read-only watch-list probe of every listable and watchable resource instead of the suite. */
  allResources: z.boolean().optional(),
  /** --all-resources: how long to wait for each resource's answer (default 10 s). */
  probeTimeoutMs: z.number().positive().optional(),
  /** --max-frame-size: watch frames longer than this are malformed and end decoding of their stream (unset: 64 MiB). */
  maxFrameBytes: z.number().int().positive().optional(),
});
export type RunConfig = z.infer<typeof RunConfigSchema>;

export const ExplainConfigSchema = ConnectionFlagsSchema.extend({
  resource: z.string().min(1),
  target: z.enum(TARGET_NAMES).optional(),
  profile: Profile.default('reference'),
  json: z.string().min(1).optional(),
  /** How long to wait for the end bookmark: long enough for client-go's 10 s and 20 s ticks. */
  probeTimeoutMs: z.number().positive().default(25_000),
  color: z.boolean().optional(),
  /** --max-frame-size: watch frames longer than this are malformed and end decoding of their stream (unset: 64 MiB). */
  maxFrameBytes: z.number().int().positive().optional(),
});
export type ExplainConfig = z.infer<typeof ExplainConfigSchema>;

export const ObserveConfigSchema = ConnectionFlagsSchema.extend({
  resource: z.string().min(1),
  target: z.enum(TARGET_NAMES).optional(),
  watchList: z.boolean().default(false),
  bookmarks: z.boolean().default(true),
  resourceVersion: z.string().optional(),
  timeoutSeconds: z.number().int().positive().optional(),
  durationMs: z.number().positive().default(60_000),
  labelSelector: z.string().optional(),
  fieldSelector: z.string().optional(),
  profile: Profile.default('reference'),
  /** --max-frame-size: watch frames longer than this are malformed and end decoding of their stream (unset: 64 MiB). */
  maxFrameBytes: z.number().int().positive().optional(),
  json: z.string().min(1).optional(),
  color: z.boolean().optional(),
});
export type ObserveConfig = z.infer<typeof ObserveConfigSchema>;

export const ServeConfigSchema = z.object({
  profile: Profile.default('reference'),
  bookmarkIntervalMs: z.number().positive().default(60_000),
  initialEventsEndDelayMs: z.number().nonnegative().optional(),
  port: z.number().int().min(0).max(65535).default(0),
  kubeconfigOut: z.string().min(1).optional(),
  tls: z.boolean().default(true),
  token: z.string().min(1).optional(),
  /** The WatchList feature gate (on in kube-apiserver 1.32 and 1.34+, off in 1.33). */
  watchList: z.boolean().default(true),
  /** --resource-profile RESOURCE=PROFILE: per-resource profile overrides. */
  resourceProfile: z.record(z.string(), Profile).default({}),
});
export type ServeConfig = z.infer<typeof ServeConfigSchema>;

/** Parses input against a schema; problems become one WM_USAGE error naming each flag. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const key = String(i.path[0] ?? '');
    // Durations arrive here in ms, parsed from the flag's text: "0" or "0s" is not "too small", it is no time at all.
    const message = /Ms$/.test(key) && i.code === 'too_small' ? 'must be longer than 0 (e.g. 10s)' : i.message;
    return `${flagOfKey(key)}: ${message}`;
  });
  throw new WatchmarkError('WM_USAGE', problems.join('; '));
}

/** Config keys whose flag is not the key in kebab case. */
const FLAG_OF_KEY: Record<string, string> = {
  labelSelector: '--selector',
  tls: '--plain-http',
};

/**
 * The flag a config key comes from, for messages: `maxBookmarkIntervalMs` is set by
 * `--max-bookmark-interval 10s` (a duration flag, parsed into ms), not by a `--max-bookmark-interval-ms`.
 */
export function flagOfKey(key: string): string {
  return FLAG_OF_KEY[key] ?? `--${kebab(key.replace(/Ms$/, ''))}`;
}

/** The config as it goes into a report: credentials replaced by a marker. */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    out[k] = /token|password|secret|key/i.test(k) ? '[redacted]' : v;
  }
  return out;
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The transport flags every command that talks to a server shares, as config input:
 * `--request-timeout` (a duration; 0 = no bound) and `--max-frame-size` (bytes or 64Mi-style);
 * each unset when not given.
 */
export function transportInput(flags: { requestTimeout?: string | undefined; maxFrameSize?: string | undefined }): { requestTimeoutMs?: number; maxFrameBytes?: number } {
  return {
    ...(flags.requestTimeout !== undefined ? { requestTimeoutMs: parseDurationMs(flags.requestTimeout, '--request-timeout') } : {}),
    ...(flags.maxFrameSize !== undefined ? { maxFrameBytes: parseSizeBytes(flags.maxFrameSize, '--max-frame-size') } : {}),
  };
}

/**
 * Parses a Go-style duration ("90s", "1m30s", "500ms", "2h") or a plain number of seconds.
 * Returns milliseconds; throws WM_USAGE naming the flag otherwise.
 */
export function parseDurationMs(text: string, flag: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    const n = Number(m[1]);
    total += n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched = re.lastIndex;
  }
  if (t.length === 0 || matched !== t.length) {
    throw new WatchmarkError('WM_USAGE', `${flag} "${text}" is not a duration (examples: 30s, 2m, 1m30s, 500ms)`);
  }
  return total;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/**
 * Parses a byte size: a whole number of bytes or a Kubernetes-quantity-style size ("64Mi",
 * "512Ki", "1G"). Returns bytes; throws WM_USAGE naming the flag otherwise.
 */
export function parseSizeBytes(text: string, flag: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(text.trim());
  const bytes = m ? Number(m[1]) * SIZE_UNITS[m[2] ?? '']! : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new WatchmarkError('WM_USAGE', `${flag} "${text}" is not a size of at least 1 byte (examples: 67108864, 64Mi, 512Ki, 1G)`);
  }
  return bytes;
}
