// kubectl sluice: a kubectl plugin for Sluice's kinds. Every operation is a patch or an
// annotation a person could make with kubectl alone; this makes them one short command.

import { readFileSync } from 'node:fs';
import { KubeApiError, KubeConnectionError } from '../controller/kube/api-errors.ts';
import { KubeConfigError } from '../controller/kube/config.ts';
import { CliError, EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from './cli-errors.ts';
import { dashboard } from './dashboard/dashboard-command.ts';
import { diff, EXIT_DIFF_FAILED } from './diff/diff-command.ts';
import { get } from './get/get-command.ts';
import { type Io, processIo } from './io.ts';
import { kindAndName, kindOf } from './kinds.ts';
import { lint } from './lint/lint-command.ts';
import { reconcile, setSuspended } from './ops/reconcile-command.ts';
import { rolloutName, runRolloutOp } from './ops/rollout-command.ts';
import { parseImageAssignments } from './ops/rollout-patches.ts';
import { allowFlags, type CommandLine, parseCommandLine } from './options.ts';
import { openSession } from './session.ts';
import { trail } from './trail/trail-command.ts';

export const USAGE = `kubectl sluice: operate Sluice Applications, GitRepositories and Rollouts.

Usage:
  kubectl sluice get app|source|rollout NAME [--watch] [-o json|yaml]
  kubectl sluice promote [--full] ROLLOUT     clear a pause, skip a step, or (--full) skip all
  kubectl sluice abort ROLLOUT                go back to the stable version
  kubectl sluice retry ROLLOUT                start an aborted update again
  kubectl sluice undo ROLLOUT [--to-revision N]   roll back to an earlier pod template
  kubectl sluice pause ROLLOUT | resume ROLLOUT   set or clear spec.paused
  kubectl sluice set image ROLLOUT CONTAINER=IMAGE ...   change images (CONTAINER * for all)
  kubectl sluice restart ROLLOUT              replace every pod, one at a time, without the steps
  kubectl sluice reconcile app|source NAME [--with-source] [--timeout 5m]
  kubectl sluice suspend app|source NAME | resume app|source NAME [--timeout 5m]
  kubectl sluice diff app NAME [--kustomize PATH] [--helm PATH] [--default-service-account [NS/]NAME]
                                              what the next sync would change
  kubectl sluice trail APP [--revision SHA]   one commit's way from fetch to verdict: sync,
                                              objects changed, rollout steps, measurements
  kubectl sluice lint FILE|DIR|- ... [--helm PATH]   check manifests offline against the CRDs
                                              (a chart directory is rendered with helm template)
  kubectl sluice dashboard [--port 3100] [-A]  a web dashboard on localhost (watch, promote, abort…)
  kubectl sluice version

Flags:
  -n, --namespace NS     namespace (default: the context's, else "default")
      --context NAME     kubeconfig context
      --kubeconfig PATH  kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
  -A, --all-namespaces   dashboard: every namespace the user may list
  -o, --output FORMAT    json or yaml
  -h, --help             this help

Exit codes: 0 success, 1 error (diff: differences found; lint: problems found),
2 usage error (diff: the diff could not be made).
`;

const ROLLOUT_OPS = new Set(['promote', 'abort', 'retry', 'undo', 'pause']);

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function dispatch(line: CommandLine, io: Io): Promise<number> {
  const { command, args, options } = line;
  if (options.help || command === 'help' || command === undefined) {
    if (command === undefined && !options.help) throw new UsageError('a command is required');
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  const session = () => openSession(options, io.env);
  switch (command) {
    case 'version':
      allowFlags(line);
      io.stdout.write(`kubectl-sluice ${version()}\n`);
      return EXIT_OK;
    case 'lint':
      allowFlags(line, 'helm');
      return lint(args, options, io);
    case 'dashboard':
      allowFlags(line, 'port', 'all-namespaces');
      if (args.length > 0) throw new UsageError(`dashboard takes no arguments, got: ${args.join(' ')}`);
      if (options.allNamespaces && options.namespace) {
        throw new UsageError('--all-namespaces and --namespace cannot be used together');
      }
      return dashboard(session(), options, io);
    case 'get': {
      allowFlags(line, 'watch');
      const [kind, name] = kindAndName(args, ['app', 'source', 'rollout'], command);
      return get(kind, name, session(), options, io);
    }
    case 'diff': {
      allowFlags(line, 'kustomize', 'helm', 'default-service-account');
      const [kind, name] = kindAndName(args, ['app'], command);
      try {
        return await diff(kind, name, session(), options, io);
      } catch (err) {
        // Like kubectl diff, any failure exits above 1, which means "differences found".
        if (err instanceof UsageError || err instanceof CliError) throw err;
        const message =
          err instanceof KubeApiError
            ? `Error from server (${err.reason}): ${err.message}`
            : (err as Error).message;
        throw new CliError(message, EXIT_DIFF_FAILED, { cause: err });
      }
    }
    case 'trail': {
      allowFlags(line, 'revision');
      // `trail NAME` or, as other commands take it, `trail app NAME`.
      const bare = args.length === 1 && !args[0]?.includes('/');
      const [, name] = kindAndName(bare ? ['app', ...args] : args, ['app'], command);
      return trail(name, session(), options, io);
    }
    case 'reconcile': {
      allowFlags(line, 'timeout', 'with-source');
      const [kind, name] = kindAndName(args, ['app', 'source'], command);
      return reconcile(kind, name, session(), options, io);
    }
    case 'suspend': {
      allowFlags(line);
      const [kind, name] = kindAndName(args, ['app', 'source'], command);
      return setSuspended(kind, name, true, session(), options, io);
    }
    case 'resume': {
      // `resume ROLLOUT` clears spec.paused; `resume app|source NAME` clears spec.suspend.
      const target = kindOf(args[0]?.split('/')[0]);
      if (target === 'app' || target === 'source') {
        allowFlags(line, 'timeout');
        const [kind, name] = kindAndName(args, ['app', 'source'], command);
        return setSuspended(kind, name, false, session(), options, io);
      }
      allowFlags(line);
      return runRolloutOp('resume', rolloutName(args, command), session(), options, io);
    }
    case 'set': {
      allowFlags(line);
      const [what, ...rest] = args;
      if (what !== 'image') throw new UsageError('set takes "image": set image ROLLOUT CONTAINER=IMAGE ...');
      const [ro, ...assignments] = rest;
      const images = parseImageAssignments(assignments);
      return runRolloutOp(
        { op: 'set-image', images },
        rolloutName(ro ? [ro] : [], 'set image'),
        session(),
        options,
        io,
      );
    }
    case 'restart':
      allowFlags(line);
      return runRolloutOp(
        { op: 'restart', now: new Date() },
        rolloutName(args, command),
        session(),
        options,
        io,
      );
    default:
      if (!ROLLOUT_OPS.has(command)) throw new UsageError(`unknown command "${command}"`);
      allowFlags(line, ...(command === 'promote' ? ['full'] : command === 'undo' ? ['to-revision'] : []));
      return runRolloutOp(
        command === 'promote' && options.full
          ? 'promote-full'
          : (command as 'promote' | 'abort' | 'retry' | 'undo' | 'pause'),
        rolloutName(args, command),
        session(),
        options,
        io,
      );
  }
}

/** Runs one invocation; returns the exit code. Errors go to stderr, as kubectl writes them. */
export async function run(argv: string[], io: Io): Promise<number> {
  try {
    return await dispatch(parseCommandLine(argv), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\nSee 'kubectl sluice --help' for usage.\n`);
      return EXIT_USAGE;
    }
    if (err instanceof CliError) {
      io.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof KubeApiError) {
      io.stderr.write(`Error from server (${err.reason}): ${err.message}\n`);
      return EXIT_ERROR;
    }
    if (err instanceof KubeConfigError || err instanceof KubeConnectionError) {
      io.stderr.write(`error: ${err.message}\n`);
      return EXIT_ERROR;
    }
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_ERROR;
  }
}

export async function main(): Promise<void> {
  const abort = new AbortController();
  // The first Ctrl-C ends a watch or a wait cleanly; a second one exits at once.
  process.once('SIGINT', () => {
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  process.once('SIGTERM', () => abort.abort());
  const code = await run(process.argv.slice(2), processIo(abort.signal));
  // Pooled keep-alive connections would hold the process open; exit once output is flushed.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

if (import.meta.main) await main();
