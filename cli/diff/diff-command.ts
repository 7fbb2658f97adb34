// `diff app NAME`: the next sync's changes as a unified diff. Exit codes follow kubectl diff:
// 0 no differences, 1 differences, 2 (or more) the diff could not be made.

import { type Application, applicationResource } from '../../controller/api/application.ts';
import { CliError, EXIT_OK, UsageError } from '../cli-errors.ts';
import { formatData, type Io, useColor } from '../io.ts';
import type { KindName } from '../kinds.ts';
import type { Options } from '../options.ts';
import type { Session } from '../session.ts';
import { type AppDiff, diffApplication, type ObjectChange } from './app-diff.ts';
import { unifiedDiff } from './unified-diff.ts';

const EXIT_DIFFERENCES = 1;
export const EXIT_DIFF_FAILED = 2;

function title(c: ObjectChange): string {
  return `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
}

export function changeDiff(c: ObjectChange, revision: string): string {
  const path = `${c.apiVersion.replace('/', '.')}.${c.kind}.${c.namespace ? `${c.namespace}.` : ''}${c.name}`;
  return unifiedDiff(c.live, c.desired, {
    from: c.action === 'create' ? '/dev/null' : `live/${path}`,
    to: c.action === 'prune' ? '/dev/null' : `${revision}/${path}`,
  });
}

function colorize(text: string): string {
  return text
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---')
        ? `\x1b[1m${l}\x1b[0m`
        : l.startsWith('+')
          ? `\x1b[32m${l}\x1b[0m`
          : l.startsWith('-')
            ? `\x1b[31m${l}\x1b[0m`
            : l.startsWith('@@')
              ? `\x1b[36m${l}\x1b[0m`
              : l,
    )
    .join('\n');
}

/** The changes that make the Application differ (not the prunes it ignores as extraneous). */
function counted(d: AppDiff): ObjectChange[] {
  return d.changes.filter((c) => !c.ignored);
}

function summary(d: AppDiff): string {
  const changes = counted(d);
  const count = (a: ObjectChange['action']) => changes.filter((c) => c.action === a).length;
  const parts = [
    `${count('update')} to update`,
    `${count('create')} to create`,
    `${count('prune')} to prune`,
    `${d.unchanged} unchanged`,
  ];
  const ignored = d.changes.length - changes.length;
  const extraneous = ignored > 0 ? `; ${ignored} extraneous to prune, ignored (IgnoreExtraneous)` : '';
  return `${d.revision}: ${changes.length === 0 ? 'no differences' : parts.join(', ')}${changes.length === 0 ? ` (${d.unchanged} object${d.unchanged === 1 ? '' : 's'})` : ''}${extraneous}`;
}

export async function diff(
  kind: KindName,
  name: string,
  session: Session,
  options: Options,
  io: Io,
): Promise<number> {
  if (kind !== 'app') throw new UsageError('diff works on Applications: diff app NAME');
  let result: AppDiff;
  try {
    const app = await session.api.get<Application>(applicationResource, session.namespace, name);
    result = await diffApplication(session, app, {
      kustomize: options.kustomize,
      helm: options.helm,
      defaultServiceAccount: options.defaultServiceAccount,
    });
  } catch (err) {
    throw new CliError((err as Error).message, EXIT_DIFF_FAILED, { cause: err });
  }
  if (options.output) {
    io.stdout.write(
      formatData(
        {
          revision: result.revision,
          changes: result.changes.map((c) => ({
            action: c.action,
            apiVersion: c.apiVersion,
            kind: c.kind,
            namespace: c.namespace,
            name: c.name,
            source: c.source,
            ...(c.ignored ? { ignored: true } : {}),
            diff: changeDiff(c, result.revision),
          })),
          unchanged: result.unchanged,
          errors: result.errors,
        },
        options.output,
      ),
    );
  } else {
    const color = useColor(io.stdout, io.env);
    for (const c of result.changes) {
      const note = c.ignored ? ' (IgnoreExtraneous: not counted)' : c.source ? ` (${c.source})` : '';
      const head = `# ${title(c)}: ${c.action}${note}\n`;
      const body = changeDiff(c, result.revision);
      io.stdout.write(color ? colorize(head + body) : head + body);
    }
    io.stderr.write(`${summary(result)}\n`);
  }
  for (const e of result.errors) io.stderr.write(`error: dry run refused ${e}\n`);
  if (result.errors.length > 0) return EXIT_DIFF_FAILED;
  return counted(result).length > 0 ? EXIT_DIFFERENCES : EXIT_OK;
}
