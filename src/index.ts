/**
 * watchmark's public API: the CLI is a thin layer over these.
 */
export { systemClock, FakeClock, type Clock } from './clock.js';
export { WatchmarkError, isWatchmarkError, type ErrorCode } from './errors.js';
export type * from './record/timeline.js';
export type { Check, CheckParams, CheckResult, CheckStatus, Finding, Severity } from './checks/types.js';
export { DEFAULT_CHECK_PARAMS } from './checks/types.js';
export { ALL_CHECKS, runChecks } from './checks/index.js';
export type { ClientProfile, ClientOutcome, ClientVerdict } from './verdict/types.js';
export { deriveClientVerdicts, reflectorWarnings } from './verdict/client-go.js';
export { WatchFrameDecoder } from './decode/watch-frames.js';
export type { Connection, TlsMaterial } from './transport/connection.js';
export { TargetClient } from './transport/client.js';
export { resolveResource, collectionPath, type ResolvedResource } from './discovery/resolve-resource.js';
export { resolveTarget } from './targets/resolve.js';
export type { ConnectionFlags, ReadyTarget, TargetSource } from './targets/types.js';
export { startEmbeddedServer, PROFILES, type ServerProfile, type EmbeddedServerOptions, type StartedEmbeddedServer } from './server/index.js';
export { type SuitePlan, type StreamPlan } from './run/plan.js';
export { defaultSuitePlan } from './scenario/default-suite.js';
export { compileScenarios } from './scenario/compile.js';
export { parseScenarioText, loadScenarioFile, selectScenarios, type LoadedScenario } from './scenario/load.js';
export { ScenarioSchema, scenarioJsonSchema, type Scenario } from './scenario/schema.js';
export { runSuite } from './run/run-suite.js';
export { runWatchmark } from './run/run-watchmark.js';
export { buildReport, type Report, type StreamSummary } from './report/model.js';
export { renderTerminal } from './report/terminal.js';
export { Workload } from './workload/workload.js';
