/**
 * Started detached by container-engine.ts when watchmark exits with containers it has not removed
 * (a second Ctrl-C exits at once): removes the containers whose ids it gets as arguments, through
 * the same engine (DOCKER_HOST, inherited). Prints nothing: its parent has gone.
 */
import { getContainerRuntimeClient } from 'testcontainers';

const client = await getContainerRuntimeClient();
for (const id of process.argv.slice(2)) {
  try {
    await client.container.dockerode.getContainer(id).remove({ force: true, v: true });
  } catch {
    // Already gone, or the engine refused: the label dev.watchmark.run still finds it.
  }
}
