import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '../../controller/api/meta.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { microTime } from '../../controller/runtime/api-time.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { applyObject, createSecret, gitRepository } from '../support/kinds.ts';

const cluster = testCluster();
const LEASE = 'sluice-controller-leader';
const REPO_URL = 'http://127.0.0.1:9/none.git';
const WEBHOOK_SECRET = 'leader-election-hook';
let ns: string;
let workDir: string;
const running: ControllerProcess[] = [];

interface Lease extends KubeObject {
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

type LogLine = Record<string, unknown>;

/** A replica as the Deployment runs it: --leader-elect, POD_NAME and POD_NAMESPACE from the downward API. */
async function replica(name: string): Promise<ControllerProcess> {
  const ctl = await startController({
    kubeconfig: cluster.kubeconfig,
    // Confined to this file's namespace: the other files' objects are not ours to reconcile.
    namespace: ns,
    args: ['--leader-elect', `--cache-dir=${join(workDir, name)}`],
    env: { POD_NAMESPACE: ns, POD_NAME: name },
  });
  running.push(ctl);
  return ctl;
}

const lease = () => cluster.api.get<Lease>(core.leases, ns, LEASE);
const became = (l: LogLine) => l.msg === 'became leader';
const standingBy = (leader: string) => (l: LogLine) =>
  l.msg === 'another replica is leader; standing by' && l.leader === leader;
/** Lines a reconcile of our GitRepository writes (its logger carries the kind). */
const reconciled = (l: LogLine) => l.kind === 'GitRepository' && l.namespace === ns;

async function leaderGauge(ctl: ControllerProcess): Promise<number> {
  const text = await (await fetch(`${ctl.probeUrl}/metrics`)).text();
  return Number(/^sluice_leader (\d+)$/m.exec(text)?.[1]);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'sluice-leader-'));
  // The Lease lives in POD_NAMESPACE, which the installation creates.
  ns = await createNamespace(cluster.api, 'leader');
  await createSecret(cluster.api, ns, 'sluice-webhook', { generic: WEBHOOK_SECRET });
  // Something to reconcile: fails to fetch (nothing listens there), which the leader logs.
  await applyObject(
    cluster.api,
    gitRepositoryResource,
    gitRepository(ns, 'unreachable', { url: REPO_URL, ref: { branch: 'main' } }),
  );
});

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
  await deleteNamespace(cluster.api, ns);
  await rm(workDir, { recursive: true, force: true });
});

describe('leader election between two replicas', () => {
  let a: ControllerProcess;
  let b: ControllerProcess;
  let c: ControllerProcess;

  it('lets exactly one replica hold the Lease and reconcile; both are ready', async () => {
    a = await replica('replica-a');
    await a.waitForLog(became);
    b = await replica('replica-b');
    await b.waitForLog(standingBy('replica-a'));
    const l = await lease();
    expect(l.spec.holderIdentity).toBe('replica-a');
    expect(l.spec.leaseDurationSeconds).toBe(15);
    expect(l.spec.leaseTransitions).toBe(0);
    expect(l.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    for (const ctl of [a, b]) {
      await eventually(async () => {
        expect((await fetch(`${ctl.probeUrl}/readyz`)).status).toBe(200);
      });
    }
    expect(await leaderGauge(a)).toBe(1);
    expect(await leaderGauge(b)).toBe(0);
    await a.waitForLog(reconciled);
    // A reconcile request both replicas see through their watches, handled by the leader,
    // and two renewals of the Lease: the standby had its chances to (wrongly) act.
    const requested = String(Date.now());
    await cluster.kubectl([
      'annotate',
      '--overwrite',
      '-n',
      ns,
      'gitrepository/unreachable',
      `${RECONCILE_REQUESTED_AT_ANNOTATION}=${requested}`,
    ]);
    await eventually(async () => {
      const r = await cluster.api.get<GitRepository>(gitRepositoryResource, ns, 'unreachable');
      expect(r.status?.lastHandledReconcileAt).toBe(requested);
    }, 15_000);
    for (let renewals = 0; renewals < 2; renewals++) {
      const before = (await lease()).spec.renewTime;
      await eventually(async () => expect((await lease()).spec.renewTime).not.toBe(before), 15_000);
    }
    expect(b.logs.filter(reconciled)).toEqual([]);
    expect(b.logs.some(became)).toBe(false);
  });

  it('hands a push webhook received by the standby to the leader', async () => {
    const hook = String((await b.waitForLog((l) => l.msg === 'webhook receiver listening')).url);
    const body = JSON.stringify({ url: REPO_URL, ref: 'refs/heads/main' });
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${body}`).digest('hex');
    const res = await fetch(`${hook}/hook/generic`, {
      method: 'POST',
      body,
      headers: {
        'X-Sluice-Timestamp': ts,
        'X-Sluice-Signature': `sha256=${sig}`,
        'Content-Type': 'application/json',
      },
    });
    expect(res.status).toBe(202);
    // The standby records the request on the object; the leader sees it and reconciles.
    await eventually(async () => {
      const r = await cluster.api.get<GitRepository>(gitRepositoryResource, ns, 'unreachable');
      const requested = r.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION];
      expect(requested).toBeDefined();
      expect(r.status?.lastHandledReconcileAt).toBe(requested);
    }, 15_000);
    expect(b.logs.filter(reconciled)).toEqual([]);
  });

  it('hands over to the standby when the leader is killed, once the Lease expires', async () => {
    const killedAt = Date.now();
    expect(await a.stop('SIGKILL')).toBeNull();
    // The killed leader's last renewal: nobody writes the Lease until the standby takes it.
    const lastRenew = (await lease()).spec.renewTime as string;
    const took = await b.waitForLog(became, 40_000);
    process.stderr.write(
      `[leader-election] standby took over ${seconds(Date.now() - killedAt)} after SIGKILL of the leader\n`,
    );
    // Taken from the holder that stopped renewing, and not before its lease ran out: the
    // standby's clock is this machine's, so the two times in the Lease compare exactly.
    expect(took.previousHolder).toBe('replica-a');
    const l = await lease();
    expect(microTimeMs(l.spec.acquireTime as string)).toBeGreaterThanOrEqual(
      microTimeMs(lastRenew) + (l.spec.leaseDurationSeconds ?? 0) * 1000,
    );
    expect(l.spec.holderIdentity).toBe('replica-b');
    expect(l.spec.leaseTransitions).toBe(1);
    await b.waitForLog(reconciled);
    expect(await leaderGauge(b)).toBe(1);
  });

  it('releases the Lease on SIGTERM, so the standby takes over at once', async () => {
    c = await replica('replica-c');
    await c.waitForLog(standingBy('replica-b'));
    const termAt = Date.now();
    expect(await b.stop('SIGTERM')).toBe(0);
    expect(b.logs.some((l) => l.msg === 'released leader lease')).toBe(true);
    const took = await c.waitForLog(became, 10_000);
    process.stderr.write(
      `[leader-election] standby took over ${seconds(Date.now() - termAt)} after SIGTERM of the leader\n`,
    );
    // A released Lease, taken on the next try rather than waited out.
    expect(took.previousHolder).toBeUndefined();
    const l = await lease();
    expect(l.spec.holderIdentity).toBe('replica-c');
    expect(l.spec.leaseTransitions).toBe(2);
  });

  it('makes a leader that finds the Lease taken stop acting and exit non-zero', async () => {
    const exited = new Promise<number | null>((resolve) => c.child.once('exit', (code) => resolve(code)));
    await cluster.api.mergePatch(core.leases, ns, LEASE, {
      spec: { holderIdentity: 'intruder', renewTime: microTime(Date.now()), leaseDurationSeconds: 15 },
    });
    const code = await Promise.race([
      exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 10_000)),
    ]);
    expect(code).toBe(1);
    expect(c.logs.some((l) => l.msg === 'lost leadership')).toBe(true);
    expect((await lease()).spec.holderIdentity).toBe('intruder');
  });
});

/** A MicroTime (`…:05.123456Z`) in milliseconds since the epoch. */
function microTimeMs(t: string): number {
  return Date.parse(t.replace(/(\.\d{3})\d*Z$/, '$1Z'));
}
