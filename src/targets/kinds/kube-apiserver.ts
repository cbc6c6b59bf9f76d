import { defineTargetKind } from '../kind.js';
import { BUILD_HINT, KUBE_APISERVER_LAUNCHER, unbuiltBinaries, startKubeApiserver, testbedDir, type TestbedStarted } from '../testbed.js';

/** kube-apiserver (k8s.io/kubernetes, testbed/kube-apiserver) with its embedded etcd and watch cache: the usual setup. */
export const kubeApiserverKind = defineTargetKind<'kube-apiserver', 'testbed', TestbedStarted>({
  name: 'kube-apiserver',
  help: 'real, etcd and watch cache',
  buildHint: BUILD_HINT,
  source: 'testbed',
  options: [],
  unavailable: (env) => unbuiltBinaries([KUBE_APISERVER_LAUNCHER], env),
  async start(startup) {
    return startKubeApiserver(startup, { target: 'kube-apiserver', ...testbedDir(startup, 'kube-apiserver') });
  },
});
