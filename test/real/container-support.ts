/**
 * What the container-engine tests (container.test.ts, compose.test.ts) share: the engine
 * DOCKER_HOST names (podman's service on CI, .ci/run) and the testbed images they need
 * (`npm run testbed:image`). Outside CI a missing engine or image skips with one line; on CI it is
 * a failure.
 */
export type Engine = Awaited<ReturnType<typeof import('testcontainers').getContainerRuntimeClient>>;

/** The engine, or why the tests cannot run (no engine, an image not built). */
export async function engineWithImages(images: readonly string[]): Promise<{ engine?: Engine; skipReason?: string }> {
  const { getContainerRuntimeClient, ImageName } = await import('testcontainers');
  let engine: Engine;
  try {
    engine = await getContainerRuntimeClient();
  } catch (err) {
    return { skipReason: `no container engine (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'unset'}): ${(err as Error).message}` };
  }
  for (const image of images) {
    if (!(await engine.image.exists(ImageName.fromString(image)))) return { engine, skipReason: `image ${image} not built (npm run testbed:image)` };
  }
  return { engine };
}

/** A skip check that says its reason once outside CI and throws on CI. */
export function skipper(what: string, reason: () => string | undefined): () => boolean {
  let said = false;
  return () => {
    const skipReason = reason();
    if (!skipReason) return false;
    if (process.env.CI) throw new Error(`${what} cannot run on CI: ${skipReason}`);
    if (!said) console.log(`${what} skipped: ${skipReason}`);
    said = true;
    return true;
  };
}
