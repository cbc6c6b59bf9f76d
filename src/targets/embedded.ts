import { startEmbeddedServer, type ServerProfile } from '../server/index.js';
import type { ReadyTarget } from './types.js';

export interface EmbeddedTargetOptions {
  profile: ServerProfile;
  bookmarkIntervalMs?: number;
  initialEventsEndDelayMs?: number;
  namespace?: string;
}

/**
 * The embedded reference API server as a target: started in-process on 127.0.0.1 with a random
 * port, HTTPS with a CA generated at start, a random bearer token; stopped by stop().
 */
export async function startEmbeddedTarget(options: EmbeddedTargetOptions): Promise<ReadyTarget> {
  const server = await startEmbeddedServer({
    profile: options.profile,
    ...(options.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
    // 21 s: client-go's 20 s tick logs "received last event ~20s ago" (the 10 s tick cannot warn once
    // initial events arrived), and the end bookmark still comes inside the quick suite's 30 s cap.
    initialEventsEndDelayMs: options.initialEventsEndDelayMs ?? 21_000,
  });
  const token = server.token;
  const stop = () => server.stop();
  return {
    source: 'embedded',
    description: `embedded API server (profile ${options.profile}) at ${server.url}`,
    connection: {
      server: server.url,
      tls: { insecureSkipTlsVerify: false, ...(server.caCertPem ? { caPem: server.caCertPem } : {}) },
      allowH2: true,
      authHeaders: async () => ({ authorization: `Bearer ${token}` }),
    },
    ...(options.namespace ? { namespace: options.namespace } : {}),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
