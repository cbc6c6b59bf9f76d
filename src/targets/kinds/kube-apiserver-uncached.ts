import { defineTargetKind } from '../kind.js';
import { BUILD_HINT, KUBE_APISERVER_LAUNCHER, unbuiltBinaries, startKubeApiserver, testbedDir, type TestbedStarted } from '../testbed.js';

/**
 * kube-apiserver with `--watch-cache=false`: every watch is served straight from etcd (apiserver
 * pkg/storage/etcd3/watcher.go): watch-list still ends with the annotated bookmark, but there are
 * no periodic or pre-deadline bookmarks at all (spec 2.4) — the situation of core `events` on
 * every cluster.
 */
export const kubeApiserverUncachedKind = defineTargetKind<'kube-apiserver-uncached', 'testbed', TestbedStarted>({
  name: 'kube-apiserver-uncached',
  help: 'real, --watch-cache=false: watches served from etcd',
  buildHint: BUILD_HINT,
  source: 'testbed',
  options: [],
  unavailable: (env) => unbuiltBinaries([KUBE_APISERVER_LAUNCHER], env),
  async start(startup) {
    return startKubeApiserver(startup, { target: 'kube-apiserver-uncached', ...testbedDir(startup, 'kube-apiserver-uncached'), flags: ['--watch-cache=false'] });
  },
});
