import { z } from 'zod';
import { checkParamConfigShape } from './check-param-config.js';
import { ConnectionFlagsSchema, ProfileSchema, TARGET_NAMES, encodingField, kindFlagFields } from '../targets/flags.js';
import { outputConfigFields } from '../report/format-fields.js';

/** `watchmark run`'s options as the CLI resolves them (cli/config.ts parses flags onto this schema). */
export const RunConfigSchema = ConnectionFlagsSchema.extend({
  /** Unset: the target's default resource (configmaps). */
  resource: z.string().min(1).optional(),
  target: z.enum(TARGET_NAMES).optional(),
  ...kindFlagFields,
  quick: z.boolean().default(false),
  /** --scenario values as given (names, files, "defaults"); empty = the suite's built-in set. */
  scenario: z.array(z.string().min(1)).default([]),
  failOn: z.enum(['fail', 'warn']).default('fail'),
  /** A file (or - for stdout, where the format allows it) per output format (report/formats.ts). */
  ...outputConfigFields(),
  /** GitHub Actions annotations and step summary; unset = on when GITHUB_ACTIONS=true. */
  github: z.boolean().optional(),
  /** Recording file (NDJSON, `watchmark report FILE` replays it); not stdout. */
  record: z.string().min(1).refine((file) => file !== '-', 'write the recording to a file, not stdout').optional(),
  profile: ProfileSchema.default('reference'),
  color: z.boolean().optional(),
  /** The check parameters with a `run` flag (maxBookmarkIntervalMs, maxEventLatencyMs), declared on their checks. */
  ...checkParamConfigShape(),
  /** --all-resources: the read-only watch-list probe of every listable and watchable resource instead of the suite. */
  allResources: z.boolean().optional(),
  /** --all-resources: how long to wait for each resource's answer (default 10 s). */
  probeTimeoutMs: z.number().positive().optional(),
  /** --max-frame-size: watch frames longer than this are malformed and end decoding of their stream (unset: 64 MiB). */
  maxFrameBytes: z.number().int().positive().optional(),
  /** --encoding: json (unset) or protobuf watches. */
  ...encodingField,
});
export type RunConfig = z.infer<typeof RunConfigSchema>;
