/** A kubeconfig for the embedded server: server URL, CA data (HTTPS) and the bearer token. */
import { stringify } from 'yaml';

export interface KubeconfigParams {
  url: string;
  token: string;
  caCertPem?: string;
  contextName?: string;
  namespace?: string;
}

export const DEFAULT_CONTEXT_NAME = 'watchmark-embedded';

export function renderKubeconfig(params: KubeconfigParams): string {
  const name = params.contextName ?? DEFAULT_CONTEXT_NAME;
  const cluster: Record<string, string> = { server: params.url };
  if (params.caCertPem) cluster['certificate-authority-data'] = Buffer.from(params.caCertPem).toString('base64');
  const context: Record<string, string> = { cluster: name, user: name };
  if (params.namespace) context.namespace = params.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    contexts: [{ name, context }],
    'current-context': name,
    users: [{ name, user: { token: params.token } }],
    preferences: {},
  });
}
