import { Command, CommanderError, Option } from 'commander';
import { isWatchmarkError } from '../errors.js';
import { realScheduler } from '../scheduler.js';
import { describeObjects, leftoverLines, processInventory, type TargetInventory, type TargetObjectRef } from '../workload/inventory.js';
import { SERVER_PROFILES } from '../server/profiles.js';
import { faultHelp } from '../proxy/faults.js';
import { targetHelp } from '../targets/registry.js';
import { TOOL } from '../version.js';
import { PROGRESS_FLAG_VALUES } from '../progress/live-progress.js';
import { OUTPUT_FORMATS } from '../report/formats.js';
import type { CliIo } from './io.js';
import { checkParamOptions } from './check-param-flags.js';
import { redactingIo } from './redacting-io.js';
// Commands are imported when they run: a usage error or `report` then never loads the target
// stack (@kubernetes/client-node alone is about a second of CPU at start-up).

/** Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage/connection/target error, 130 interrupted. */
export const EXIT = { ok: 0, findings: 1, error: 2, interrupted: 130 } as const;

/**
 * The flags commands share, defined once so they cannot drift apart between commands (observe
 * once lacked --no-color): how to reach or start a target, for every command that talks to a
 * server, and how to print, for every command. `SHARED_FLAGS` names them for the test that holds
 * every command to them.
 */
export const SHARED_FLAGS = {
  target: ['--kubeconfig', '--context', '--namespace', '--server', '--token', '--certificate-authority', '--insecure-skip-tls-verify', '--request-timeout', '--embedded', '--target', '--profile', '--image', '--container-port', '--env', '--arg', '--ready-path', '--container-kubeconfig', '--assets'],
  display: ['--no-color'],
} as const;

function addTargetFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'path to the kubeconfig file (else $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', 'namespace (run: use this existing namespace instead of a temporary one)')
    .option('-s, --server <url>', 'API server URL (used alone, without a kubeconfig)')
    .option('--token <token>', 'bearer token for --server')
    .option('--certificate-authority <file>', 'CA certificate file for --server')
    .option('--insecure-skip-tls-verify', 'do not verify the server certificate (insecure)')
    .option(
      '--request-timeout <duration>',
      'longest wait for a single server request: a whole request-response, or a watch\'s connect and response headers (never a watch\'s events); 0 = no limit (default: connect 30s, response headers 60s)',
    )
    .option('--embedded', 'ignore kubeconfigs and use the embedded API server (same as --target embedded)', false)
    .option('--target <target>', targetHelp())
    .option('--profile <profile>', 'embedded server profile when the embedded server is used', 'reference')
    .option('--image <image>', '--target container, k3s: the container image (container: required)')
    .option('--container-port <port>', '--target container: the API server\'s HTTPS port in the container (default 6443)')
    .option('--env <name=value>', '--target container: an environment variable of the container (repeatable)', collect)
    .option('--arg <arg>', '--target container: an argument of the container\'s command, replacing the image\'s CMD (repeatable)', collect)
    .option('--ready-path <path>', '--target container: the path that answers 200 once the server is ready (default /readyz)')
    .option('--container-kubeconfig <path>', '--target container: use the kubeconfig the container writes at PATH (inside it) instead of the credentials watchmark mounts in /watchmark')
    .option('--assets <dir>', 'envtest assets directory holding etcd and kube-apiserver, for --target envtest (default: $KUBEBUILDER_ASSETS, else /usr/local/kubebuilder/bin)');
}

/** A repeatable option's values, in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The report outputs of `run` and `report`: a flag per output format (report/formats.ts), and GitHub Actions. */
function addOutputFlags(cmd: Command): Command {
  for (const format of OUTPUT_FORMATS) cmd.option(`${format.flag} <file>`, format.help);
  return cmd
    .option('--github', 'GitHub Actions: ::error/::warning annotations and a step summary in $GITHUB_STEP_SUMMARY (default when GITHUB_ACTIONS=true)')
    .option('--no-github', 'no GitHub Actions annotations or step summary, even when GITHUB_ACTIONS=true');
}

/** --encoding, shared by the commands that watch (run, observe, explain). */
function addEncodingFlag(cmd: Command): Command {
  return cmd.addOption(
    new Option('--encoding <encoding>', 'what watches ask for: json (default) or protobuf (client-go\'s protobuf Accept header, as kube components send; a server answering JSON is decoded as JSON and noted)')
      .choices(['json', 'protobuf']),
  );
}

function addDisplayFlags(cmd: Command): Command {
  return cmd.option('--no-color', 'no colours in the output');
}

export function buildProgram(io: CliIo, signal: AbortSignal, setExit: (code: number) => void): Command {
  const program = new Command('watchmark')
    .description('Kubernetes watch-bookmark conformance tester: checks watches, bookmarks and watch-list against what client-go really does')
    .version(TOOL.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    // --token is a credential before any request is made: redact it from everything, errors included.
    .hook('preAction', (_program, action) => io.secrets?.add((action.opts() as { token?: string }).token));

  const run = addOutputFlags(program
    .command('run')
    .description('run the default suite against a target and print the checks and client-go verdicts')
    .option('-r, --resource <resource>', 'resource to test, named as in kubectl (configmaps, widgets.example.com)', ))
    .option('--record <file>', 'save the run\'s recording (NDJSON: every frame with its arrival time) to FILE; `watchmark report FILE` rebuilds the report from it')
    .addOption(new Option('--fail-on <severity>', 'exit 1 on findings at or above this severity').choices(['fail', 'warn']).default('fail'))
    .option('--quick', 'short suite (about 20 s instead of about 90 s)', false)
    .option(
      '--scenario <name|file>',
      'run these scenarios instead of the default set: a built-in name, a YAML file, or "defaults" (repeatable, comma-separated)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    );
  // The check parameters' flags (--max-bookmark-interval, --max-event-latency), declared on their checks.
  for (const option of checkParamOptions()) run.addOption(option);
  addDisplayFlags(addTargetFlags(addEncodingFlag(
    run
      .option('--all-resources', 'instead of the suite: send client-go\'s watch-list request to every listable and watchable resource (read-only) and classify each', false)
      .option('--probe-timeout <duration>', '--all-resources: how long to wait for each resource\'s end bookmark', '10s')
      .option('--max-frame-size <size>', 'watch frames longer than this (bytes, or e.g. 64Mi, 512Ki; default 64Mi) are malformed; the rest of their stream is counted, not decoded')
      .addOption(
        new Option('--progress <mode>', 'live progress on stderr: auto (tty when stderr is a terminal, else plain), tty (status block), plain (a line every 10 s), none')
          .choices([...PROGRESS_FLAG_VALUES])
          .default('auto'),
      )
  ))).action(async (opts) => setExit(await (await import('./run-command.js')).runCommand(opts, io, signal)));

  addDisplayFlags(
    addOutputFlags(program
      .command('report')
      .argument('<recording>', 'a recording written by `run --record FILE`')
      .description('rebuild the report of a recorded run offline (no server): the same checks, verdicts and outputs as the live run'))
      .addOption(new Option('--fail-on <severity>', 'exit 1 on findings at or above this severity (default: the recorded run\'s)').choices(['fail', 'warn'])),
  ).action(async (file: string, opts) => setExit(await (await import('./report-command.js')).reportCommand(file, opts, io)));

  addDisplayFlags(addTargetFlags(addEncodingFlag(
    program
      .command('observe')
      .argument('<resource>', 'resource to watch, named as in kubectl')
      .description('the cache-sync-hang debugger: print every event and bookmark live, mark client-go warnings, end with the verdict')
      .option('--watch-list', 'open a watch-list (sendInitialEvents=true) like a client-go v0.35+ informer', false)
      .option('--no-bookmarks', 'do not ask for bookmarks (allowWatchBookmarks unset)')
      .option('--resource-version <rv>', 'resourceVersion to watch from')
      .option('--timeout-seconds <n>', 'timeoutSeconds sent to the server (default: the observation duration, rounded up)')
      .option('-l, --selector <selector>', 'label selector')
      .option('--field-selector <selector>', 'field selector')
      .option('--duration <duration>', 'how long to observe (e.g. 30s, 2m)', '60s')
      .option('--max-frame-size <size>', 'watch frames longer than this (bytes, or e.g. 64Mi, 512Ki; default 64Mi) are malformed; the rest of their stream is counted, not decoded')
      .option('--json <file>', 'write the JSON report to FILE, or - for stdout')
  ))).action(async (resource, opts) => setExit(await (await import('./observe-command.js')).observeCommand(resource, opts, io, signal)));

  addDisplayFlags(addTargetFlags(addEncodingFlag(
    program
      .command('explain')
      .argument('<resource>', 'resource, named as in kubectl')
      .description('probe one resource with client-go\'s watch-list request and explain, step by step, what a client-go v0.35+ informer does on this server, why, and the fixes')
      .option('--probe-timeout <duration>', 'how long to wait for the end bookmark (long enough to see client-go\'s 10 s warnings)', '25s')
      .option('--max-frame-size <size>', 'watch frames longer than this (bytes, or e.g. 64Mi, 512Ki; default 64Mi) are malformed; the rest of their stream is counted, not decoded')
      .option('--json <file>', 'write the explanation as JSON to FILE, or - for stdout')
  ))).action(async (resource, opts) => setExit(await (await import('./explain-command.js')).explainCommand(resource, opts, io, signal)));

  addDisplayFlags(
    program
      .command('serve')
      .description('start the embedded API server (optionally misbehaving) for your own controllers; prints the URL and writes a kubeconfig')
      .option('--profile <profile>', SERVER_PROFILES.join(' | '), 'reference')
      .option('--bookmark-interval <duration>', 'periodic bookmark interval per watcher', '60s')
      .option('--initial-events-end-delay <duration>', 'slow-initial-events-end: delay before the end bookmark')
      .option('--port <n>', 'port on 127.0.0.1 (0 = random free port)', '0')
      .option('--kubeconfig-out <file>', 'write a kubeconfig for the server to FILE')
      .option('--plain-http', 'serve plain HTTP instead of HTTPS', false)
      .option('--no-watch-list', 'WatchList feature gate off (kube-apiserver 1.33 default): sendInitialEvents gets 422, RV ""/"0" watches are not watch-lists')
      .option(
        '--resource-profile <resource=profile>',
        'give one resource another profile, as if another server (an aggregated API) served it, e.g. configmaps=kinm (repeatable)',
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      ),
  ).action(async (opts) => setExit(await (await import('./serve-command.js')).serveCommand(opts, io, signal)));

  addDisplayFlags(addTargetFlags(
    program
      .command('proxy')
      .description('a loopback proxy in front of the target that injects watch faults (a missing end bookmark, resets, stalls, dropped events...): reproduce a hang with your own controller; prints a kubeconfig for it')
      .option('--listen <addr>', 'where to listen: 127.0.0.1:PORT (0 = a free port; loopback only)', '127.0.0.1:0')
      .option('--fault <fault>', `a fault to inject (repeatable, comma-separated): ${faultHelp()}`, collect)
      .option('--match <kinds>', 'which requests the faults touch: watch-list, watch (every watch, watch-lists too), list, all (repeatable, comma-separated; default watch)', collect)
      .option('--match-resource <resource>', 'touch only requests for this resource, named as in kubectl (configmaps, widgets.example.com) (repeatable)', collect)
      .option('--kubeconfig-out <file>', 'write the kubeconfig for the proxy to FILE (else a temporary file, removed on exit)')
      .option('--record <file>', 'write what the touched requests\' clients were sent, frame by frame, with the faults applied (NDJSON)')
      .option('--seed <n>', 'seed of drop-events and duplicate-events (same seed, same choices)', '1')
      .option('--plain-http', 'serve plain HTTP instead of HTTPS', false),
  )).action(async (opts) => setExit(await (await import('./proxy-command.js')).proxyCommand(opts, io, signal)));

  return program;
}

/**
 * After the first Ctrl-C (or SIGTERM) the process is gone within this, whatever hangs: cleanup
 * has its own 15 s deadline (Workload.cleanup), this is the backstop around everything else.
 */
export const INTERRUPT_BOUND_MS = 20_000;

/** Entry point of the `watchmark` bin. */
export async function main(argv: string[], rawIo: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<void> {
  // Everything the command writes passes through the run's credentials (redacting-io.ts).
  const io = redactingIo(rawIo);
  const controller = new AbortController();
  let interrupts = 0;
  // Exits now, naming what is (or may be) left on the target: the inventory is kept up to date
  // write by write, so this needs no await. Exec plugins still running are killed on exit
  // (targets/child-processes.ts).
  const exitNow = (why: string) => {
    io.stderr.write(`watchmark: ${why}\n`);
    const left = leftoverLines(processInventory.list());
    if (left.length === 0) io.stderr.write('watchmark: nothing of watchmark\'s is known to be left on the target\n');
    for (const line of left) io.stderr.write(`watchmark: ${line}\n`);
    process.exit(EXIT.interrupted);
  };
  let finished = false;
  let code: number = EXIT.ok;
  const onSignal = (name: string) => {
    // The command has ended (its cleanup too) and the process is only winding down: a signal now
    // ends it at once with the command's own exit code, not by the signal's default action.
    if (finished) process.exit(code);
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write(`\nwatchmark: ${name} received, stopping and cleaning up (press Ctrl-C again to exit at once)\n`);
      controller.abort();
      realScheduler.after(INTERRUPT_BOUND_MS, () => exitNow(`still not stopped ${INTERRUPT_BOUND_MS / 1000} s after ${name}; exiting without finishing cleanup`));
    } else exitNow(`${name} again: exiting at once, without finishing cleanup`);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const program = buildProgram(io, controller.signal, (c) => (code = c));
    await program.parseAsync(argv);
  } catch (err) {
    code = exitCodeForError(err, io);
  } finally {
    // The handlers stay: they hold nothing open, and only the bin calls main().
    finished = true;
  }
  process.exitCode = code;
}

export function exitCodeForError(err: unknown, io: CliIo, inventory: TargetInventory = processInventory): number {
  if (err instanceof CommanderError) {
    // commander already printed the message; --help and --version exit 0.
    return err.exitCode === 0 ? EXIT.ok : EXIT.error;
  }
  if (isWatchmarkError(err)) {
    if (err.code === 'WM_ABORTED') {
      // Says what cleanup removed and what it could not: never a blanket "cleaned up".
      const removed = (err.details['removed'] as TargetObjectRef[] | undefined) ?? [];
      const left = leftoverLines(inventory.list());
      const done = removed.length > 0 ? `removed ${describeObjects(removed)}` : left.length > 0 ? 'removed nothing' : 'nothing of watchmark\'s is left on the target';
      io.stderr.write(`watchmark: interrupted; ${done}\n`);
      for (const line of left) io.stderr.write(`watchmark: ${line}\n`);
      return EXIT.interrupted;
    }
    io.stderr.write(`watchmark: ${err.message} (${err.code})\n`);
    return EXIT.error;
  }
  const e = err as Error;
  io.stderr.write(`watchmark: internal error: ${e?.stack ?? String(err)}\n`);
  return EXIT.error;
}
