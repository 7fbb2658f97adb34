// `npm run demo`: Sluice end to end on one machine. Brings up a local control plane,
// Prometheus, a git server holding an example application and the controller, then pushes a
// healthy version (promoted after its analysis passes) and a bad one (rolled back by its
// analysis), showing progress as it happens, and leaves everything running until Ctrl-C.
//
//   node demo/main.ts [--non-interactive] [--keep]
//
// --non-interactive  exit after both outcomes: 0 when both are as expected, 1 otherwise
// --keep             wait for Ctrl-C afterwards (the default without --non-interactive)

import { parseArgs } from 'node:util';
import { collectTrail } from '../cli/trail/trail-command.ts';
import { renderTrail } from '../cli/trail/trail-view.ts';
import { applicationResource } from '../controller/api/application.ts';
import { gitRepositoryResource } from '../controller/api/git-repository.ts';
import { alertResource, providerResource } from '../controller/api/notification.ts';
import { Display } from './display.ts';
import { REPO_PATH } from './example-repo.ts';
import { nextSteps } from './next-steps.ts';
import { Observer } from './observe.ts';
import { type Outcome, waitForOutcome } from './outcomes.ts';
import { GITHUB_SECRET_NAME, NAMESPACE, type Stack, startStack } from './stack.ts';
import { StandIns } from './stand-ins.ts';
import { newLines, statusBlock, statusLine } from './status-view.ts';
import { StoppingError, Teardown } from './teardown.ts';

const USAGE = 'Usage: node demo/main.ts [--non-interactive] [--keep]';
const NAMES = { namespace: NAMESPACE, rollout: 'demo', application: 'demo', source: 'demo' };

let flags: { nonInteractive: boolean; keep: boolean };
try {
  const { values } = parseArgs({
    options: {
      'non-interactive': { type: 'boolean' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const nonInteractive = values['non-interactive'] === true;
  flags = { nonInteractive, keep: values.keep === true || !nonInteractive };
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}

const startedAt = Date.now();
const tty = process.stdout.isTTY === true;
const display = new Display(process.stdout, { live: tty, color: tty && !process.env.NO_COLOR, startedAt });
const teardown = new Teardown();
const secs = (from: number, to = Date.now()) => `${((to - from) / 1000).toFixed(1)}s`;

let shuttingDown: Promise<never> | undefined;
/** Stops everything and exits; the first call decides the exit code. */
function shutdown(code: number): Promise<never> {
  shuttingDown ??= (async () => {
    display.close();
    display.line('stopping the controller, stand-ins, git daemon, Prometheus and control plane…', 'dim');
    const failed = await teardown.run();
    for (const f of failed) display.line(`could not stop ${f}`, 'bad');
    display.line(
      failed.length === 0
        ? 'stopped; every process and temporary directory is gone'
        : 'stopped, with the errors above',
      'dim',
    );
    process.exit(code);
  })();
  return shuttingDown;
}

let outcomeCode = 1;
// Whatever goes wrong, stop what was started: the git daemon and the control plane run in
// their own process groups and would outlive the demo.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    display.line(`demo failed: ${error instanceof Error ? error.message : String(error)}`, 'bad');
    void shutdown(1);
  });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (shuttingDown) {
      process.stderr.write('\nstopping at once; a later run cleans up what is left\n');
      process.exit(130);
    }
    void shutdown(flags.keep && outcomeCode === 0 ? 0 : 130);
  });
}

async function bootstrap(stack: Stack): Promise<void> {
  const owner = { fieldManager: 'sluice-demo' };
  await stack.api.apply(
    gitRepositoryResource,
    {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'GitRepository',
      metadata: { name: NAMES.source, namespace: NAMESPACE },
      spec: { url: stack.repo.url, ref: { branch: 'main' }, interval: '1m' },
    },
    owner,
  );
  await stack.api.apply(
    applicationResource,
    {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: NAMES.application, namespace: NAMESPACE },
      spec: {
        sourceRef: { kind: 'GitRepository', name: NAMES.source },
        path: REPO_PATH,
        interval: '1m',
        prune: true,
        targetNamespace: NAMESPACE,
      },
    },
    owner,
  );
  // Flux's notification model: every Rollout and Application event of the demo becomes a
  // commit status on the commit it is about, as a pull request would show it.
  await stack.api.apply(
    providerResource,
    {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Provider',
      metadata: { name: 'github', namespace: NAMESPACE },
      spec: {
        type: 'github',
        address: `${stack.commits.url}/acme/demo`,
        secretRef: { name: GITHUB_SECRET_NAME },
      },
    },
    owner,
  );
  await stack.api.apply(
    alertResource,
    {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Alert',
      metadata: { name: 'commit-status', namespace: NAMESPACE },
      spec: {
        providerRef: { name: 'github' },
        eventSeverity: 'error',
        eventSources: [{ kind: 'Rollout', name: NAMES.rollout }],
      },
    },
    owner,
  );
}

async function run(): Promise<number> {
  display.line('Sluice demo: git push → Application → canary Rollout judged by Prometheus', 'bold');
  display.line(
    'Nodes are simulated (kwok): pods become Ready but run nothing, so for each version with ready pods the demo runs a real metrics app that stands in for them (see demo/README.md)',
    'dim',
  );
  // A start that Ctrl-C interrupted still finishes (to be stopped); its news is no longer news.
  const stack = await startStack(
    teardown,
    (t) => teardown.stopping || display.line(t),
    (t) => teardown.stopping || display.line(t, 'dim'),
  );
  const standIns = new StandIns({
    prometheus: stack.prometheus,
    fixedJobs: [{ job: 'sluice-controller', targets: [new URL(stack.controller.probeUrl).host] }],
    namespace: NAMESPACE,
    rollout: NAMES.rollout,
    log: (line) => display.line(line, 'dim'),
  });
  teardown.add('stand-ins', () => standIns.stop());
  await stack.prometheus.setJobs(standIns.jobs());

  const observer = new Observer(stack.api, NAMES, new Date(startedAt));
  const seen = new Set<string>();
  observer.subscribe((s) => {
    display.lines(newLines(s, seen));
    standIns
      .sync(s.replicaSets)
      .catch((error: unknown) => display.line(`stand-ins: ${(error as Error).message}`, 'bad'));
    display.status(statusBlock(s, standIns.list()), statusLine(s));
  });
  observer.start(500, (message) => display.line(`reading the cluster failed: ${message}`, 'warn'));
  teardown.add('observer', async () => observer.stop());

  const code = await pushVersions(stack, observer);
  // Also after a wrong outcome: what is left running is what there is to look at.
  if (flags.keep) display.text(nextSteps(stack, 'v3-bad'));
  return code;
}

/** Pushes v1, v2 and v3-bad in turn and waits for each outcome; returns the exit code. */
async function pushVersions(stack: Stack, observer: Observer): Promise<number> {
  const shas = new Map<string, string>();
  const push = async (version: string, what: string): Promise<number> => {
    const at = Date.now();
    const sha = await stack.repo.pushVersion(version, `${version}: ${what}`);
    shas.set(version, sha);
    display.line(`git push: ${version} (${what}) as ${sha.slice(0, 7)} to ${stack.repo.url}`, 'bold');
    return at;
  };

  let at = await push('v1', 'first version');
  await bootstrap(stack);
  display.line(
    `applied GitRepository ${NAMESPACE}/${NAMES.source} and Application ${NAMESPACE}/${NAMES.application} (path ${REPO_PATH}/)`,
  );
  const v1 = await waitForOutcome(observer, 'v1', undefined);
  if (v1.result !== 'promoted') return report([v1]);
  display.line(`✔ v1 is the stable version (${v1.hash}), ${secs(at)} after the push`, 'good');

  at = await push('v2', 'healthy');
  const v2 = await waitForOutcome(observer, 'v2', v1.hash);
  if (v2.result === 'promoted') {
    display.line(
      `✔ v2 promoted: its analysis passed; ${secs(at, v2.at)} from push to promotion; first promotion ${secs(stack.controlPlaneUpAt, v2.at)} after the control plane was up (${secs(startedAt, v2.at)} after the demo started)`,
      'good',
    );
  }

  at = await push('v3-bad', '30% errors');
  const v3 = await waitForOutcome(observer, 'v3-bad', v2.result === 'promoted' ? v2.hash : v1.hash);
  if (v3.result === 'aborted') {
    display.line(
      `✔ v3-bad rolled back by its analysis ${secs(at, v3.at)} after the push: ${v3.message}`,
      'good',
    );
    const health = await observer
      .waitFor(
        'the Application to report the rollout as Degraded',
        (s) => {
          const c = s.app?.status?.conditions?.find((x) => x.type === 'Healthy');
          return s.app?.status?.health === 'Degraded' && c?.message?.includes(NAMES.rollout)
            ? c.message
            : undefined;
        },
        60_000,
      )
      .catch((error: unknown) => `not reported: ${(error as Error).message}`);
    v3.application = health;
    display.line(
      `  Application ${NAMESPACE}/${NAMES.application} health: Degraded — ${health}`,
      health.startsWith('not reported') ? 'bad' : 'good',
    );
    v3.serving = await showServing(stack, observer);
    v3.commitStatus = await showCommitStatus(stack, shas.get('v3-bad') ?? '');
  }
  return report([v2, v3]);
}

/**
 * After the rollback: the Application's line names the revision really serving, and the
 * trail tells the bad commit's way from the push to the verdict.
 */
async function showServing(stack: Stack, observer: Observer): Promise<string> {
  const serving = await observer
    .waitFor(
      'the Application to say which revision is serving',
      (s) => {
        const rolledBack = s.app?.status?.conditions?.find((x) => x.type === 'RolledBack');
        const ready = s.app?.status?.conditions?.find((x) => x.type === 'Ready');
        return rolledBack?.status === 'True' && ready?.message.includes('serving revision')
          ? `Ready ${ready.status} — ${ready.message}`
          : undefined;
      },
      60_000,
    )
    .catch((error: unknown) => `not reported: ${(error as Error).message}`);
  display.line(
    `  Application ${NAMESPACE}/${NAMES.application}: ${serving}`,
    serving.startsWith('not reported') ? 'bad' : 'good',
  );
  const session = { client: stack.api.client, api: stack.api, namespace: NAMESPACE };
  const trail = await collectTrail(session, NAMES.application, undefined);
  display.line(`$ kubectl sluice trail ${NAMES.application} -n ${NAMESPACE}`, 'bold');
  display.text(renderTrail(trail));
  return serving;
}

/** The verdict as the commit carries it: the status the `github` Provider set on v3-bad. */
async function showCommitStatus(stack: Stack, sha: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  let status = stack.commits.statuses.find((s) => s.sha === sha && s.state === 'failure');
  while (!status && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    status = stack.commits.statuses.find((s) => s.sha === sha && s.state === 'failure');
  }
  const line = status
    ? `${status.state} ${status.context}: ${status.description}`
    : 'not reported: no failure status reached the receiver in 60s';
  display.line(
    `  commit status on ${status?.repo ?? 'acme/demo'}@${sha.slice(0, 7)} (GitHub's API on loopback): ${line}`,
    status ? 'good' : 'bad',
  );
  return line;
}

function report(outcomes: Outcome[]): number {
  const expected: Record<string, string> = { v1: 'promoted', v2: 'promoted', 'v3-bad': 'aborted' };
  let ok = outcomes.length === 2;
  for (const o of outcomes) {
    const right =
      expected[o.version] === o.result &&
      (o.version !== 'v3-bad' ||
        (!o.application?.startsWith('not reported') &&
          !o.serving?.startsWith('not reported') &&
          !o.commitStatus?.startsWith('not reported')));
    ok &&= right;
    if (!right)
      display.line(`✗ ${o.version}: expected ${expected[o.version]}, got ${o.result}: ${o.message}`, 'bad');
  }
  display.line(
    ok
      ? 'Both outcomes as expected: v2 promoted, v3-bad rolled back.'
      : 'The demo did not show both outcomes.',
    ok ? 'good' : 'bad',
  );
  return ok ? 0 : 1;
}

try {
  outcomeCode = await run();
} catch (error) {
  // Something did not start (or Ctrl-C stopped the start): there is nothing worth keeping.
  if (!(error instanceof StoppingError) && !teardown.stopping) {
    display.line(`demo failed: ${error instanceof Error ? error.message : String(error)}`, 'bad');
  }
  await shutdown(1);
}
if (!flags.keep) await shutdown(outcomeCode);
// Otherwise the observer keeps the event loop alive until Ctrl-C.
