import { startKind, type StartKindOptions, type StartedKind, type StartedTarget, type TargetKind } from './kind.js';
import { containerKind } from './kinds/container.js';
import { embeddedKind } from './kinds/embedded.js';
import { envtestKind } from './kinds/envtest.js';
import { k3sKind } from './kinds/k3s.js';
import { kineKind } from './kinds/kine.js';
import { kubeApiserverUncachedKind } from './kinds/kube-apiserver-uncached.js';
import { kubeApiserverKind } from './kinds/kube-apiserver.js';
import type { TestbedStarted } from './testbed.js';

/**
 * Every local target kind, in the order `--target`'s help lists them. Adding a kind: one file in
 * kinds/ (see kind.ts) and one line here; `TARGET_NAMES`, the help line, the config's enum, the
 * report's target source and the notice follow. Keep this module light: the CLI loads it for its
 * help, so kinds load their servers and the transport only when started.
 */
export const TARGET_KINDS = [embeddedKind, kubeApiserverKind, kubeApiserverUncachedKind, kineKind, envtestKind, containerKind, k3sKind] as const;

export type RegisteredKind = (typeof TARGET_KINDS)[number];
export type TargetName = RegisteredKind['name'];
/** The report's target.source values local targets have. */
export type LocalTargetSource = RegisteredKind['source'];

export const TARGET_NAMES = TARGET_KINDS.map((kind) => kind.name) as [TargetName, ...TargetName[]];

/** Started when no --target is given and kubectl's resolution order finds no kubeconfig. */
export const DEFAULT_TARGET: TargetName = 'embedded';

const BY_NAME: ReadonlyMap<string, TargetKind> = new Map(TARGET_KINDS.map((kind) => [kind.name, kind as TargetKind]));

export function targetKind(name: string): TargetKind | undefined {
  return BY_NAME.get(name);
}

/** `--target`'s help: every kind with its help, the options it takes, and what needs building first. */
export function targetHelp(kinds: readonly TargetKind[] = TARGET_KINDS): string {
  const listed = kinds.map((kind) => `${kind.name} (${[kind.help, ...kind.options.map((o) => `takes --${o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)].join('; ')})`);
  const builds = [...new Set(kinds.flatMap((kind) => (kind.buildHint ? [kind.buildHint] : [])))].map((hint) => {
    const names = kinds.filter((kind) => kind.buildHint === hint).map((kind) => kind.name);
    return `${names.length === 1 ? `${names[0]} needs` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} need`} \`${hint}\``;
  });
  return `start a local target: ${listed.join(' | ')}${builds.length ? `; ${builds.join('; ')}` : ''}`;
}

/** Starts the kind named `name` and waits until it is ready. */
export function startTarget(name: TargetName, options: StartKindOptions = {}): Promise<StartedTarget<StartedKind>> {
  return startKind(targetKind(name)!, options);
}

type TestbedKind = Extract<RegisteredKind, { source: 'testbed' }>;
/** The kinds built by `npm run testbed:build`. */
export type TestbedTarget = TestbedKind['name'];
export const TESTBED_TARGETS = TARGET_KINDS.filter((kind): kind is TestbedKind => kind.source === 'testbed').map((kind) => kind.name);

/** Starts a testbed kind, with the launcher's info file and the temp dir (for the real-server tests). */
export function startTestbedTarget(name: TestbedTarget, options: StartKindOptions = {}): Promise<StartedTarget<TestbedStarted>> {
  return startKind(targetKind(name) as TargetKind<string, string, TestbedStarted>, options);
}
