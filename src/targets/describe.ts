import { WatchmarkError } from '../errors.js';
import type { TargetClient } from '../transport/client.js';
import type { ReadyTarget, TargetDescription } from './types.js';

/**
 * The report's description of the target: GET /version (which also fails fast with WM_AUTH on
 * bad credentials) plus what target selection said about it.
 */
export async function describeTarget(client: TargetClient, target: ReadyTarget, signal?: AbortSignal): Promise<TargetDescription> {
  const serverVersion = await fetchServerVersion(client, signal);
  return { server: target.connection.server, source: target.source, serverVersion, description: target.description };
}

export async function fetchServerVersion(client: TargetClient, signal?: AbortSignal): Promise<string | null> {
  const res = await client.requestJson('GET', '/version', signal ? { signal } : {});
  if (res.status === 401 || res.status === 403) {
    throw new WatchmarkError('WM_AUTH', `GET /version answered ${res.status}: check the credentials`);
  }
  if (res.status !== 200) return null;
  const v = (res.body as { gitVersion?: unknown } | undefined)?.gitVersion;
  return typeof v === 'string' ? v : null;
}
