// Shared setup for benchmarks: a real control plane, git servers and the controller
// process, as in the end-to-end tests, but driven from a plain script that prints figures.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KubeClient } from '../../controller/kube/client.ts';
import { loadKubeConfig } from '../../controller/kube/config.ts';
import { ObjectApi } from '../../controller/kube/objects.ts';
import { core } from '../../controller/kube/resources.ts';
import { type ControlPlane, startControlPlane } from '../control-plane/control-plane.ts';
import { kubectl } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServers, startGitServers } from '../support/git/index.ts';

export interface Bench {
  cp: ControlPlane;
  api: ObjectApi;
  git: GitServers;
  ctl: ControllerProcess;
  webhookUrl: string;
  kubectl(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

export const WEBHOOK_SECRET = 'bench-secret';

export async function startBench(
  controllerArgs: string[] = [],
  opts: { nodes?: number } = {},
): Promise<Bench> {
  const cp = await startControlPlane({
    nodes: opts.nodes ?? 3,
    log: (m) => process.stderr.write(`[control-plane] ${m}\n`),
  });
  const api = new ObjectApi(new KubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig })));
  const git = await startGitServers();
  await api.create(core.namespaces, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'sluice-system' },
  });
  await api.apply(core.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'sluice-webhook', namespace: 'sluice-system' },
    data: { generic: Buffer.from(WEBHOOK_SECRET).toString('base64') },
  });
  const ctl = await startController({
    kubeconfig: cp.kubeconfig,
    args: [
      `--cache-dir=${git.rootDir}/cache`,
      '--webhook-secret=sluice-system/sluice-webhook',
      ...controllerArgs,
    ],
    env: { PATH: `${cp.binDir}:${process.env.PATH}`, LOG_LEVEL: 'info' },
  });
  const webhookUrl = await controllerWebhookUrl(ctl);
  return {
    cp,
    api,
    git,
    ctl,
    webhookUrl,
    kubectl: (args, input) => kubectl(cp.binDir, cp.kubeconfig, args, input),
    async stop() {
      await ctl.stop();
      await git.stop();
      await cp.stop();
    },
  };
}

async function controllerWebhookUrl(ctl: ControllerProcess): Promise<string> {
  const line = await ctl.waitForLog((l) => l.msg === 'webhook receiver listening');
  return String(line.url);
}

export function signedPush(url: string, body: Record<string, unknown>): Promise<Response> {
  const text = JSON.stringify(body);
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${text}`).digest('hex');
  return fetch(`${url}/hook/generic`, {
    method: 'POST',
    body: text,
    headers: {
      'Content-Type': 'application/json',
      'X-Sluice-Timestamp': ts,
      'X-Sluice-Signature': `sha256=${sig}`,
    },
  });
}

/** CPU seconds (user + system) a process has used, from /proc. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

export async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function scrape(probeUrl: string, metric: string): Promise<number> {
  const text = await (await fetch(`${probeUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(metric)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

export async function until<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs}ms`);
}

export function table(rows: [string, string, string][]): string {
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i] as number)).join('  ')).join('\n');
}
