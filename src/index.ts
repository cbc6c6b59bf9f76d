/**
 * watchmark's public API: the CLI is a thin layer over these.
 */
export { systemClock, FakeClock, type Clock } from './clock.js';
export { WatchmarkError, isWatchmarkError, type ErrorCode } from './errors.js';
export type * from './record/timeline.js';
export type { Check, CheckParams, CheckResult, CheckStatus, Finding, Severity } from './checks/types.js';
export { DEFAULT_CHECK_PARAMS } from './checks/types.js';
export { CHECK_PARAMETERS } from './checks/param-registry.js';
export type { CheckParameter, CheckParamDeclaration } from './checks/parameters.js';
export { ALL_CHECKS, runChecks } from './checks/index.js';
export type { ClientProfile, ClientOutcome, ClientVerdict } from './verdict/types.js';
export { deriveClientVerdicts } from './verdict/index.js';
export { reflectorWarnings } from './reflector/ticker.js';
export { WatchFrameDecoder, type FrameDecoder } from './decode/watch-frames.js';
export { ProtobufFrameDecoder } from './decode/protobuf-frames.js';
export type { Connection, TlsMaterial } from './transport/connection.js';
export { TargetClient } from './transport/client.js';
export type { TargetClientOptions, WatchEncoding } from './transport/client.js';
export { SocketReader, sharedSocketReader } from './transport/socket-reader.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './transport/timeouts.js';
export { SecretRegistry, registeringSecrets, REDACTED } from './transport/redact.js';
export { resolveResource, collectionPath, type ResolvedResource } from './discovery/resolve-resource.js';
export { resolveTarget } from './targets/resolve.js';
export type { ConnectionFlags, ReadyTarget, TargetSource } from './targets/types.js';
export { TARGET_KINDS, TARGET_NAMES, targetKind, type TargetName } from './targets/registry.js';
export { defineTargetKind, type TargetKind } from './targets/kind.js';
export { forHttpStatus, forPort, forJsonFile, forLogLine, type ReadinessStrategy, type WaitContext } from './targets/readiness.js';
export { startEmbeddedServer, PROFILES, type ServerProfile, type EmbeddedServerOptions, type StartedEmbeddedServer } from './server/index.js';
export { type SuitePlan, type StreamPlan } from './scenario/plan.js';
export { defaultSuitePlan } from './scenario/default-suite.js';
export { compileScenarios } from './scenario/compile.js';
export { compileRun, type CompiledRun } from './scenario/compile-run.js';
export { parseScenarioText, loadScenarioFile, selectScenarios, type LoadedScenario } from './scenario/load.js';
export { ScenarioSchema, scenarioJsonSchema, type Scenario } from './scenario/schema.js';
export { runSuite } from './run/run-suite.js';
export { runWatchmark, measureRun } from './run/run-watchmark.js';
export { deriveReport, type RunFacts, type RunMeasurement } from './report/derive-report.js';
export {
  encodeRecording,
  encodeRecordingText,
  decodeRecording,
  RecordingDecoder,
  RECORDING_KIND,
  RECORDING_VERSION,
  type DecodedRecording,
  type RecordingHeader,
  type RecordingFooter,
  type RecordingCounts,
} from './recording/ndjson.js';
export { writeRecordingFile, readRecordingFile } from './recording/file.js';
export { buildReport, exitCodeFor, type Report, type StreamSummary, type Untested, type UntestedRequest } from './report/model.js';
export { answerOfStream, answerOfList, type AnswerKind, type RequestAnswer, type MissingPermission } from './record/answers.js';
export { renderTerminal } from './report/terminal.js';
export { renderHtml, type HtmlReportInput } from './report/html.js';
export { timelineModel, type TimelineModel } from './report/timeline-model.js';
export { Workload } from './workload/workload.js';
export { LiveProgress, progressModeFor } from './progress/live-progress.js';
export { reduce as reduceProgress, initialProgress } from './progress/model.js';
export type { SuiteListener, SuiteWindow } from './run/run-suite.js';
export { renderJunit } from './report/junit.js';
export { OUTPUT_FORMATS, type OutputFormat, type OutputFormatName, type OutputPaths } from './report/formats.js';
export { renderGithubAnnotations, renderGithubSummary } from './report/github.js';
export { runResourceMatrix } from './probe/resource-matrix.js';
export { classifyWatchListProbe } from './probe/classify.js';
export { explainProbe } from './probe/explain.js';
export { listWatchableResources } from './discovery/list-resources.js';
export { clientNodeVerdict } from './verdict/client-node.js';
