import { z } from 'zod';
import { WatchmarkError } from '../errors.js';
import { CHECK_PARAMETER_FLAGS } from '../checks/param-registry.js';
import { ConnectionFlagsSchema, ProfileSchema as Profile, TARGET_NAMES, encodingField, kindFlagFields } from '../targets/flags.js';
import { parseDurationMs, parseSizeBytes } from '../units.js';

/**
 * One source of truth for options: CLI flags (and later config files and environment) map onto
 * these schemas; the resolved config, secrets redacted, is printed into the JSON report.
 */

export const ExplainConfigSchema = ConnectionFlagsSchema.extend({
  resource: z.string().min(1),
  target: z.enum(TARGET_NAMES).optional(),
  ...kindFlagFields,
  profile: Profile.default('reference'),
  json: z.string().min(1).optional(),
  /** How long to wait for the end bookmark: long enough for client-go's 10 s and 20 s ticks. */
  probeTimeoutMs: z.number().positive().default(25_000),
  color: z.boolean().optional(),
  /** --max-frame-size: watch frames longer than this are malformed and end decoding of their stream (unset: 64 MiB). */
  maxFrameBytes: z.number().int().positive().optional(),
  /** --encoding: json (unset) or protobuf watches. */
  ...encodingField,
});
export type ExplainConfig = z.infer<typeof ExplainConfigSchema>;

export const ObserveConfigSchema = ConnectionFlagsSchema.extend({
  resource: z.string().min(1),
  target: z.enum(TARGET_NAMES).optional(),
  ...kindFlagFields,
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
  /** --encoding: json (unset) or protobuf watches. */
  ...encodingField,
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
  // Check parameters: the flag each declares (checks/param-registry.ts).
  ...Object.fromEntries(CHECK_PARAMETER_FLAGS.map((p) => [p.key, p.flag])),
};

/**
 * The flag a config key comes from, for messages: `maxBookmarkIntervalMs` is set by
 * `--max-bookmark-interval 10s` (a duration flag, parsed into ms), not by a `--max-bookmark-interval-ms`.
 */
export function flagOfKey(key: string): string {
  return FLAG_OF_KEY[key] ?? `--${kebab(key.replace(/Ms$/, ''))}`;
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



/** `watchmark proxy`: the target as for run (any kind), where to listen, and the faults. */
export const ProxyConfigSchema = ConnectionFlagsSchema.extend({
  target: z.enum(TARGET_NAMES).optional(),
  ...kindFlagFields,
  profile: Profile.default('reference'),
  port: z.number().int().min(0).max(65535).default(0),
  tls: z.boolean().default(true),
  kubeconfigOut: z.string().min(1).optional(),
  record: z.string().min(1).optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
});
export type ProxyConfig = z.infer<typeof ProxyConfigSchema>;
