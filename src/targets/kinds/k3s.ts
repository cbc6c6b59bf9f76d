import { firstLineOf, WatchmarkError } from '../../errors.js';
import { defineTargetKind, type StartedKind } from '../kind.js';
import { forHttpStatus } from '../readiness.js';

/** The image when --image is not given: the rancher/k3s tag testcontainers' k3s module documents. */
export const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.31.2-k3s1';

export interface K3sStarted extends StartedKind {
  containerId: string;
}

/**
 * `--target k3s`: rancher/k3s through @testcontainers/k3s (privileged; for users with Docker and a
 * registry), its API port published on 127.0.0.1 only, the kubeconfig read from the container
 * (getKubeConfig) with its server pointed at that port. Removed on stop, on a failed start and on
 * Ctrl-C, as the container kind's containers are (container-engine.ts).
 */
export const k3sKind = defineTargetKind<'k3s', 'k3s', K3sStarted>({
  name: 'k3s',
  help: `rancher/k3s through Docker, default image ${DEFAULT_K3S_IMAGE}, needs a registry`,
  source: 'k3s',
  options: ['image'],
  async start(startup, options) {
    const image = options.image ?? DEFAULT_K3S_IMAGE;
    const { adoptContainer, awaitedContainer, connectThroughKubeconfig, engineClient, ensureImage, publishedLoopbackPort, RUN_ID } = await import('../container-engine.js');
    const { RUN_LABEL, loopbackPortBindings } = await import('../container-options.js');
    const client = await engineClient('k3s');
    await ensureImage(client, image, 'k3s');
    const { K3sContainer } = await import('@testcontainers/k3s');
    const dockerode = client.container.dockerode;
    let createdId: string | undefined;
    class LoopbackK3s extends K3sContainer {
      protected override async beforeContainerCreated(): Promise<void> {
        await super.beforeContainerCreated();
        // K3sContainer publishes 6443 and 8443 on every interface: loopback only.
        this.hostConfig.PortBindings = { ...loopbackPortBindings(6443), ...loopbackPortBindings(8443) };
      }
      protected override async containerCreated(id: string): Promise<void> {
        createdId = id;
        adoptContainer(startup, dockerode, id);
      }
    }
    let started: Awaited<ReturnType<LoopbackK3s['start']>>;
    try {
      started = await new LoopbackK3s(image).withLabels({ [RUN_LABEL]: RUN_ID }).start();
    } catch (err) {
      throw new WatchmarkError('WM_TARGET', `--target k3s: cannot start ${image}: ${firstLineOf(err)}`);
    }
    const id = createdId ?? started.getId();
    const server = `https://127.0.0.1:${await publishedLoopbackPort(dockerode, id, 6443)}`;
    const connection = await connectThroughKubeconfig(startup, started.getKubeConfig(), server, 'k3s\'s kubeconfig');
    await startup.waitFor(forHttpStatus('/readyz', connection), awaitedContainer(dockerode, id, image));
    return { connection, description: `k3s ${image} (${id.slice(0, 12)}) at ${server}`, containerId: id };
  },
});
