import { defineTargetKind } from '../kind.js';

/**
 * The embedded reference API server (src/server/), in-process: ready when it listens (its start
 * resolves from the listen callback), so it needs no readiness wait; stopped by closing it. It is
 * also the default when kubectl's resolution order finds no kubeconfig (registry.ts DEFAULT_TARGET).
 */
export const embeddedKind = defineTargetKind({
  name: 'embedded',
  help: 'the in-process reference server, same as --embedded',
  source: 'embedded',
  options: ['profile'],
  async start(startup, options) {
    // Loaded only when started: `watchmark report` and usage errors never load the server.
    const { startEmbeddedServer } = await import('../../server/index.js');
    const profile = options.profile ?? 'reference';
    const server = await startEmbeddedServer({
      profile,
      // 21 s: client-go's 20 s tick logs "received last event ~20s ago" (the 10 s tick cannot warn once
      // initial events arrived), and the end bookmark still comes inside the quick suite's 30 s cap.
      initialEventsEndDelayMs: 21_000,
    });
    startup.onStop(() => server.stop());
    const token = server.token;
    return {
      description: `embedded API server (profile ${profile}) at ${server.url}`,
      connection: {
        server: server.url,
        tls: { insecureSkipTlsVerify: false, ...(server.caCertPem ? { caPem: server.caCertPem } : {}) },
        allowH2: true,
        authHeaders: async () => ({ authorization: `Bearer ${token}` }),
      },
    };
  },
  notice: (description) => `started the ${description}`,
});
