// Issue 18 benchmark, printed as a table: `kubectl sluice dashboard` over 1,000 Applications and
// 200 Rollouts (plain objects in one namespace, no controller: what the page shows is what the
// benchmark writes), looked at by Debian's Chromium.
//  1. time to first render: from navigation to both lists drawn in full (median of 5 loads);
//  2. a streamed update: one Application's health changed through the API, from the PATCH to
//     the new value in its row (wall clock of both, same machine), median and p90 of 30;
//  3. memory: the dashboard server's resident set, and the page's JS heap (CDP).
// Run: npm run bench:dashboard   (BENCH_APPS, BENCH_ROLLOUTS, BENCH_UPDATES to change the sizes)

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { applicationResource } from '../../controller/api/application.ts';
import { rolloutResource } from '../../controller/api/rollout.ts';
import { KubeClient } from '../../controller/kube/client.ts';
import { loadKubeConfig } from '../../controller/kube/config.ts';
import { ObjectApi } from '../../controller/kube/objects.ts';
import { core } from '../../controller/kube/resources.ts';
import { startControlPlane } from '../control-plane/control-plane.ts';
import { buildDashboard, launchBrowser, screenshot } from '../support/dashboard-ui.ts';
import { createMany, manyApplication, manyName, manyRollout, setAppStatus } from '../support/many-objects.ts';
import { percentile, residentMiB, table } from './harness.ts';

const APPS = Number(process.env.BENCH_APPS ?? 1000);
const ROLLOUTS = Number(process.env.BENCH_ROLLOUTS ?? 200);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 30);
const LOADS = 5;
const NS = 'bench-dashboard';
const PLUGIN = fileURLToPath(new URL('../../cli/kubectl-sluice.js', import.meta.url));

const loadavg = async () => (await import('node:fs/promises')).readFile('/proc/loadavg', 'utf8');
const ms = (v: number) => `${v.toFixed(0)} ms`;

const cp = await startControlPlane({ nodes: 1, log: (m) => process.stderr.write(`[control-plane] ${m}\n`) });
const stops: (() => Promise<unknown>)[] = [() => cp.stop()];
const rows: [string, string, string][] = [['benchmark', 'result', 'load average (1/5/15 min)']];
const row = async (what: string, result: string) =>
  rows.push([what, result, (await loadavg()).split(' ').slice(0, 3).join(' ')]);
try {
  const api = new ObjectApi(new KubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig })));
  await api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await createMany(api, applicationResource, APPS, (i) => manyApplication(NS, i));
  await createMany(api, rolloutResource, ROLLOUTS, (i) => manyRollout(NS, i));
  await buildDashboard();

  const server = spawn(process.execPath, [PLUGIN, 'dashboard', '--port', '0', '-n', NS], {
    env: { ...process.env, KUBECONFIG: cp.kubeconfig, PATH: `${cp.binDir}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stops.push(async () => {
    server.kill('SIGINT');
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) resolve(m[0]);
    });
    server.once('exit', (code) => reject(new Error(`the dashboard exited (${code}): ${out}`)));
  });

  const browser = await launchBrowser();
  stops.push(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(120_000);
  // Notes the moment (since navigation) both lists are drawn in full. Page scripts are text: this
  // file is compiled for Node, without the DOM's types.
  await page.addInitScript({
    content: `(() => {
      const titles = ['Applications (${APPS})', 'Rollouts (${ROLLOUTS})'];
      const done = () => titles.every((t) => [...document.querySelectorAll('h2')].some((h) => h.textContent === t));
      const observer = new MutationObserver(() => {
        if (!done()) return;
        observer.disconnect();
        globalThis.firstRenderMs = performance.now();
      });
      observer.observe(document, { subtree: true, childList: true, characterData: true });
    })()`,
  });
  const firsts: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto(url);
    await page.waitForFunction(() => 'firstRenderMs' in globalThis);
    firsts.push(
      await page.evaluate(() => (globalThis as unknown as { firstRenderMs: number }).firstRenderMs),
    );
  }
  await row(
    `time to first render, ${APPS} Applications + ${ROLLOUTS} Rollouts (${LOADS} loads)`,
    `median ${ms(percentile(firsts, 50))}, max ${ms(Math.max(...firsts))}`,
  );
  await screenshot(page, 'bench-overview', false);

  const latencies: number[] = [];
  for (let i = 0; i < UPDATES; i++) {
    const name = manyName('app', (i * 37) % APPS);
    const health = i % 2 === 0 ? 'Degraded' : 'Progressing';
    // The watcher is in the page before the PATCH leaves; it answers with the wall clock it saw the value at.
    await page.evaluate(`(() => {
      const seen = () => {
        const row = [...document.querySelectorAll('tr')].find((tr) => tr.querySelector('th')?.textContent === ${JSON.stringify(name)});
        return row?.textContent?.includes(${JSON.stringify(health)}) === true;
      };
      globalThis.seenAt = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (!seen()) return;
          observer.disconnect();
          resolve(Date.now());
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      });
    })()`);
    const sent = Date.now();
    await setAppStatus(api, NS, name, { syncStatus: 'OutOfSync', health });
    const at = await page.evaluate(() => (globalThis as unknown as { seenAt: Promise<number> }).seenAt);
    latencies.push(at - sent);
  }
  await row(
    `streamed update to its row (${UPDATES} PATCHes of status)`,
    `median ${ms(percentile(latencies, 50))}, p90 ${ms(percentile(latencies, 90))}`,
  );

  await row(
    'dashboard server resident memory',
    `${(await residentMiB(server.pid as number)).toFixed(0)} MiB`,
  );
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  const nodes = metrics.find((m) => m.name === 'Nodes')?.value ?? 0;
  await row(
    'page JS heap used (CDP Performance.getMetrics)',
    `${(heap / 2 ** 20).toFixed(1)} MiB, ${nodes} DOM nodes`,
  );
  process.stdout.write(`\n${table(rows)}\n`);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}
