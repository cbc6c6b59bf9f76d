import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../src/clock.js';
import { parseFaults } from '../../src/proxy/faults.js';
import { startProxy, type RunningProxy } from '../../src/proxy/proxy-server.js';
import { parseMatcher } from '../../src/proxy/request-match.js';
import { realScheduler } from '../../src/scheduler.js';
import type { Connection } from '../../src/transport/connection.js';
import { TargetClient } from '../../src/transport/client.js';
import type { ProbeTarget } from './testbed-support.js';

/** A proxy (in-process, HTTPS, its own CA and token) in front of `upstream`, and a CA file for clients of it. */
export async function startTestProxy(
  upstream: Connection,
  opts: { faults: string[]; match?: string[]; log?: string[] },
): Promise<{ proxy: RunningProxy; caFile: string }> {
  const proxy = await startProxy({
    upstream,
    faults: parseFaults(opts.faults),
    matcher: parseMatcher(opts.match ?? [], []),
    port: 0,
    tls: true,
    clock: systemClock(),
    scheduler: realScheduler,
    seed: 1,
    log: (line) => opts.log?.push(line),
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-proxy-test-'));
  const caFile = path.join(dir, 'ca.crt');
  writeFileSync(caFile, proxy.caCertPem!);
  return { proxy, caFile };
}

/**
 * A namespace of its own on the target with `objects` configmaps in it, for one informer-probe:
 * the probe's initial events arrive at once (its reflector's first 10 s tick is then silent), and
 * no other probe's write-after-sync reaches its watch.
 */
export async function probeNamespace(upstream: Connection, name: string, objects = 2): Promise<string> {
  const client = new TargetClient(upstream, systemClock());
  try {
    await client.requestJson('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
    for (let i = 0; i < objects; i++) {
      await client.requestJson('POST', `/api/v1/namespaces/${name}/configmaps`, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `seed-${i}` }, data: { k: String(i) } },
      });
    }
  } finally {
    await client.close();
  }
  return name;
}

/** The informer-probe's view of the proxy: its URL, token and CA, configmaps in `namespace`. */
export function probeTargetOf(proxy: RunningProxy, namespace: string): ProbeTarget {
  return { server: proxy.url, token: proxy.token, caPem: proxy.caCertPem!, group: '', version: 'v1', resource: 'configmaps', namespace };
}
