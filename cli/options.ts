// Flags of every command, kubectl style: global -n/--namespace, --context, --kubeconfig and
// -o/--output; the rest belong to one command each and are refused elsewhere.

import { parseArgs } from 'node:util';
import { UsageError } from './cli-errors.ts';

export interface Options {
  namespace: string | undefined;
  context: string | undefined;
  kubeconfig: string | undefined;
  output: 'json' | 'yaml' | undefined;
  watch: boolean;
  full: boolean;
  toRevision: number | undefined;
  /** trail: the commit to follow (a revision or a prefix of its SHA). */
  revision: string | undefined;
  timeout: string;
  withSource: boolean;
  kustomize: string;
  /** As the controller's --helm: the binary charts are rendered with. */
  helm: string;
  /** As the controller's flag: whom an Application without its own account applies as. */
  defaultServiceAccount: string | undefined;
  help: boolean;
  /** `dashboard`: the loopback port to serve on (0: any free one). */
  port: number;
  allNamespaces: boolean;
}

export interface CommandLine {
  command: string | undefined;
  args: string[];
  options: Options;
  /** The flags given, by their long names, to refuse those a command does not take. */
  given: Set<string>;
}

const SPEC = {
  namespace: { type: 'string', short: 'n' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  output: { type: 'string', short: 'o' },
  watch: { type: 'boolean', short: 'w' },
  full: { type: 'boolean' },
  'to-revision': { type: 'string' },
  revision: { type: 'string' },
  timeout: { type: 'string' },
  'with-source': { type: 'boolean' },
  kustomize: { type: 'string' },
  helm: { type: 'string' },
  'default-service-account': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  port: { type: 'string' },
  'all-namespaces': { type: 'boolean', short: 'A' },
} as const;

const DEFAULT_DASHBOARD_PORT = 3100;

const GLOBAL_FLAGS = ['namespace', 'context', 'kubeconfig', 'output', 'help'];

export function parseCommandLine(argv: string[]): CommandLine {
  const parsed = parse(argv);
  const v = parsed.values;
  const given = new Set(parsed.tokens.filter((t) => t.kind === 'option').map((t) => t.name));
  if (v.output !== undefined && v.output !== 'json' && v.output !== 'yaml') {
    throw new UsageError(`--output must be json or yaml, not "${v.output}"`);
  }
  let toRevision: number | undefined;
  if (v['to-revision'] !== undefined) {
    toRevision = Number(v['to-revision']);
    if (!Number.isInteger(toRevision) || toRevision < 1) {
      throw new UsageError(`--to-revision must be a positive integer, not "${v['to-revision']}"`);
    }
  }
  const port = Number(v.port ?? DEFAULT_DASHBOARD_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a port number, not "${v.port}"`);
  }
  const [command, ...args] = parsed.positionals;
  return {
    command,
    args,
    given,
    options: {
      namespace: v.namespace,
      context: v.context,
      kubeconfig: v.kubeconfig,
      output: v.output,
      watch: v.watch ?? false,
      full: v.full ?? false,
      toRevision,
      revision: v.revision,
      timeout: v.timeout ?? '5m',
      withSource: v['with-source'] ?? false,
      kustomize: v.kustomize ?? 'kustomize',
      helm: v.helm ?? 'helm',
      defaultServiceAccount: v['default-service-account'],
      help: v.help ?? false,
      port,
      allNamespaces: v['all-namespaces'] ?? false,
    },
  };
}

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: SPEC, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    // parseArgs explains itself ("Unknown option '--fulll'"); keep its first line.
    throw new UsageError(
      ((err as Error).message.split('\n')[0] ?? 'invalid flags').replace(/\. To specify a positional.*/, ''),
      { cause: err },
    );
  }
}

/** Refuses flags the command does not take, so a misplaced `--full` is not silently ignored. */
export function allowFlags(line: CommandLine, ...flags: string[]): void {
  const allowed = new Set([...GLOBAL_FLAGS, ...flags]);
  for (const flag of line.given) {
    if (!allowed.has(flag)) throw new UsageError(`${line.command} does not take --${flag}`);
  }
}
