import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defineTargetKind } from '../kind.js';
import { forPort } from '../readiness.js';
import { BUILD_HINT, freePort, KUBE_APISERVER_LAUNCHER, unbuiltBinaries, startKubeApiserver, testbedBinDir, testbedDir, type TestbedStarted } from '../testbed.js';

/**
 * kube-apiserver on kine (k3s-io/kine, testbed/kine), k3s's SQLite-backed etcd shim, as its
 * storage. kine is ready when its etcd endpoint accepts connections; kube-apiserver then starts
 * against it.
 */
export const kineKind = defineTargetKind<'kine', 'testbed', TestbedStarted>({
  name: 'kine',
  help: 'real, on kine: k3s\'s SQLite etcd shim',
  buildHint: BUILD_HINT,
  source: 'testbed',
  options: [],
  unavailable: (env) => unbuiltBinaries(['kine', KUBE_APISERVER_LAUNCHER], env),
  async start(startup) {
    const { dir, logs } = testbedDir(startup, 'kine');
    const port = await freePort();
    const kineDir = path.join(dir, 'kine');
    mkdirSync(kineDir);
    const kine = startup.spawn(
      'kine',
      path.join(testbedBinDir(startup.env), 'kine'),
      [
        `--listen-address=127.0.0.1:${port}`,
        `--endpoint=sqlite://${path.join(kineDir, 'state.db')}?_journal=WAL&cache=shared&_busy_timeout=30000`,
        '--metrics-bind-address=0',
        '--watch-progress-notify-interval=5s',
      ],
      path.join(logs, 'kine.log'),
    );
    await startup.waitFor(forPort('127.0.0.1', port), kine);
    return startKubeApiserver(startup, { target: 'kine', dir, logs, etcdServers: `http://127.0.0.1:${port}` });
  },
});
