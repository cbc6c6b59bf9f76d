/**
 * Discovery documents (legacy, unaggregated): /version, /api, /api/v1, /apis. kubectl and
 * client-go ask for aggregated discovery first but always accept plain JSON, and then fall back
 * to these. Pure.
 */
import { createHash } from 'node:crypto';
import { RESOURCES, type ResourceDef } from './resources.js';

export const EMULATED_MAJOR = '1';
export const EMULATED_MINOR = '34';
export const GIT_VERSION = 'v1.34.0-watchmark';

export function versionDocument(): Record<string, string> {
  return {
    major: EMULATED_MAJOR,
    minor: EMULATED_MINOR,
    emulationMajor: EMULATED_MAJOR,
    emulationMinor: EMULATED_MINOR,
    minCompatibilityMajor: EMULATED_MAJOR,
    minCompatibilityMinor: String(Number(EMULATED_MINOR) - 1),
    gitVersion: GIT_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'watchmark',
    platform: `${process.platform}/${process.arch}`,
  };
}

export function apiVersionsDocument(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupListDocument(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
}

/** kube-apiserver's storageVersionHash: base64 of the first 8 bytes of sha256("group/version/kind"). */
function storageVersionHash(kind: string): string {
  return createHash('sha256').update(`/v1/${kind}`).digest().subarray(0, 8).toString('base64');
}

function resourceEntry(def: ResourceDef): Record<string, unknown> {
  return {
    name: def.resource,
    singularName: def.singularName,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: def.verbs,
    shortNames: def.shortNames,
    storageVersionHash: storageVersionHash(def.kind),
  };
}

export function coreV1ResourceListDocument(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [resourceEntry(RESOURCES.configmaps), resourceEntry(RESOURCES.namespaces)],
  };
}
