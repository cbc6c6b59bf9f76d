import { z } from 'zod';
import { WATCH_ENCODINGS, type WatchEncoding } from '../transport/client.js';
import { SERVER_PROFILES, type ServerProfile } from '../server/profiles.js';

/** The embedded server's profiles, named once in server/profiles.ts. */
export const PROFILE_NAMES = SERVER_PROFILES as readonly [ServerProfile, ...ServerProfile[]];
export const ProfileSchema = z.enum(PROFILE_NAMES);

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

/**
 * The flags of the kinds that take options (kind.ts TargetKindOptions, except --profile) as config
 * fields; selectTarget hands the given ones to the asked kind and refuses them for other kinds.
 * --container-port arrives as text; its range is checked with the other container flags
 * (container-options.ts containerSpec).
 */
export const kindFlagFields = {
  /** --assets: the envtest assets directory (--target envtest). */
  assets: z.string().min(1).optional(),
  image: z.string().min(1).optional(),
  containerPort: z.coerce.number().optional(),
  env: z.array(z.string()).optional(),
  arg: z.array(z.string()).optional(),
  readyPath: z.string().min(1).optional(),
  containerKubeconfig: z.string().min(1).optional(),
};

/**
 * --encoding: what the watches ask the server for; `protobuf` sends client-go's protobuf Accept
 * header (transport/client.ts PROTOBUF_WATCH_ACCEPT); unset: json. Whatever the server answers is decoded.
 */
export const encodingField = {
  encoding: z.enum(WATCH_ENCODINGS as readonly [WatchEncoding, ...WatchEncoding[]]).optional(),
};

/** --target's values, from the registry of target kinds. */
export { TARGET_NAMES } from './registry.js';
