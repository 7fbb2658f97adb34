// `kubectl sluice dashboard` end to end: the plugin serving the page in its own process, a real
// Chromium looking at it and clicking, the controller moving a canary on the test control plane,
// and RBAC answering for a user who may look but not change.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTemplateResource } from '../../controller/api/analysis.ts';
import { applicationResource } from '../../controller/api/application.ts';
import { appSuite, configMapYaml as cm } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import {
  buildDashboard,
  launchBrowser,
  openPage,
  screenshot,
  startDashboard,
} from '../support/dashboard-ui.ts';
import { serviceAccountKubeconfig } from '../support/install.ts';
import { applyObject } from '../support/kinds.ts';
import { analysisTemplate, errorsAnalysis, RolloutDriver, SLOW } from '../support/rollouts.ts';

const suite = appSuite('dashboard', {
  files: { 'app/settings.yaml': cm('settings', { color: 'blue' }) },
  interval: '1h',
  controllerArgs: ['--dashboard-address=127.0.0.1:0'],
});
const { cluster } = suite;
let ro: RolloutDriver;
let browser: Browser;
let dashboard: Awaited<ReturnType<typeof startDashboard>>;
let page: Page;
const pageErrors: string[] = [];
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ro = new RolloutDriver(cluster, suite.ns);
  await buildDashboard();
  await applyObject(
    cluster.api,
    applicationResource,
    suite.application('shop', { path: 'app', interval: '1h', prune: true }),
  );
  await cluster.api.create(analysisTemplateResource, analysisTemplate(ro.ns, 'errors'));
  await ro.createRouted(
    'web',
    undefined,
    [
      { setWeight: 25 },
      { pause: {} },
      { setWeight: 50 },
      { analysis: errorsAnalysis },
      { pause: {} },
      { setWeight: 75 },
      { pause: {} },
    ],
    4,
  );
  await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Healthy'));
  dashboard = await startDashboard(cluster, ['-n', ro.ns]);
  stops.push(dashboard.stop);
  browser = await launchBrowser();
  stops.push(() => browser.close());
}, SLOW);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

const rolloutUrl = (base: string) => `${base}#/rollouts/${ro.ns}/web`;
/** The row of the version with this role. */
const versions = (p: Page, role: string) =>
  p.getByRole('region', { name: 'Versions' }).getByRole('row', { name: new RegExp(` ${role} `) });
const summary = (p: Page, label: string, text: string) =>
  p.locator('.summary div', { has: p.locator('dt', { hasText: label }) }).locator('dd', { hasText: text });

describe('kubectl sluice dashboard', () => {
  it('lists the Rollout and the Application with their state', async () => {
    page = await openPage(browser, dashboard.url, pageErrors);
    const rollouts = page.getByRole('region', { name: 'Rollouts' });
    const row = rollouts.getByRole('row', { name: /web/ });
    await row.getByText('Healthy').waitFor();
    expect(await row.textContent()).toContain(`${ro.ns}Canary`);
    const app = page.getByRole('region', { name: 'Applications' }).getByRole('row', { name: /shop/ });
    // The controller syncs it meanwhile; the page follows without a reload.
    await app.getByText('Synced').waitFor();
    await app.getByText('Healthy').waitFor();
    await page.getByRole('region', { name: 'Sources' }).getByRole('row', { name: /repo/ }).waitFor();
    await screenshot(page, 'overview');

    await page.getByLabel('Filter').fill('no-such-thing');
    await rollouts.getByRole('row', { name: /web/ }).waitFor({ state: 'detached' });
    await page.getByLabel('Filter').fill('web');
    await rollouts.getByRole('row', { name: /web/ }).waitFor();
  });

  it(
    'follows a canary live, promotes it a step after confirmation, and aborts it back to stable',
    async () => {
      await page.getByRole('link', { name: 'web', exact: true }).click();
      await page.getByRole('heading', { name: /Rollout web/ }).waitFor();
      await summary(page, 'Phase', 'Healthy').waitFor();
      // Marks this document: still there after the update shows it was not reloaded.
      await page.evaluate(() => Object.assign(globalThis, { sluiceTestMarker: true }));

      await ro.setImage('web', 'example.invalid/web:2');
      await summary(page, 'Step', '2/7').waitFor();
      await summary(page, 'Phase', 'Paused').waitFor();
      await page.getByText('Traffic: stable 75% · canary 25%').waitFor();
      await page.locator('li[aria-current="step"]', { hasText: 'pause' }).waitFor();
      expect(await page.evaluate(() => 'sluiceTestMarker' in globalThis)).toBe(true);

      // Cancel sends nothing.
      await page.getByRole('button', { name: 'Promote', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('traffic shifts toward the new version').waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect((await ro.get('web')).status?.currentStepIndex).toBe(1);

      await page.getByRole('button', { name: 'Promote', exact: true }).click();
      await dialog.getByRole('button', { name: 'Promote' }).click();
      await page.getByText('rollout.sluice.dev/web promoted').waitFor();
      await ro.waitFor('web', (r) => expect(r.status?.currentStepIndex).toBe(3));
      await summary(page, 'Step', '4/7').waitFor();
      await page.getByText('Traffic: stable 50% · canary 50%').waitFor();
      await versions(page, 'canary').getByText('2/2').waitFor();

      // The step's analysis, measured three times so far: listed with a chart of the values.
      const run = await ro.waitForRun('web', () => true);
      await ro.driveRun(run.metadata.name, 'Running', 'error-rate', ['[0.012]', '[0.018]', '[0.009]']);
      const analysis = page.getByRole('article', { name: `AnalysisRun ${run.metadata.name}` });
      await analysis.getByText('step 4').waitFor();
      await analysis.getByRole('img', { name: 'error-rate: 3 measurements, from 0.012 to 0.009' }).waitFor();
      await analysis.locator('canvas').waitFor();
      await analysis
        .getByRole('row', { name: /error-rate/ })
        .getByText('[0.009]')
        .waitFor();
      await screenshot(page, 'canary');
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, 'canary-dark');
      await page.emulateMedia({ colorScheme: 'light' });

      await ro.driveRun(run.metadata.name, 'Successful');
      await ro.waitFor('web', (r) => {
        expect(r.status?.currentStepIndex).toBe(4);
        expect(r.status?.phase).toBe('Paused');
      });
      await summary(page, 'Step', '5/7').waitFor();
      await analysis.getByText('Successful').first().waitFor();

      // By keyboard: the dialog opens on Cancel; Tab reaches the confirmation.
      await page.getByRole('button', { name: 'Abort' }).focus();
      await page.keyboard.press('Enter');
      await dialog.getByText('Sends all traffic back to the stable version').waitFor();
      await page.keyboard.press('Tab');
      expect(await page.locator(':focus').textContent()).toBe('Abort');
      await page.keyboard.press('Enter');
      await ro.waitFor('web', (r) => {
        expect(r.status?.abort).toBe(true);
        expect(r.status?.canary?.weights?.canary?.weight).toBe(0);
      });
      await page.getByText('Traffic: stable 100% · canary 0%').waitFor();
      await page.locator('li.step-aborted').waitFor();
      await versions(page, 'stable').getByText('4/4').waitFor();
      await page.getByRole('button', { name: 'Retry' }).and(page.locator(':enabled')).waitFor();
      expect(await page.evaluate(() => 'sluiceTestMarker' in globalThis)).toBe(true);
      await screenshot(page, 'aborted');
      expect(pageErrors).toEqual([]);
    },
    SLOW,
  );

  it('shows the API server refusing an action the user may not take', async () => {
    // May read what the dashboard shows except AnalysisRuns, and patch nothing.
    await cluster.kubectl(['create', 'serviceaccount', '-n', ro.ns, 'viewer']);
    await cluster.kubectl([
      'create',
      'role',
      '-n',
      ro.ns,
      'viewer',
      '--verb=get,list,watch',
      '--resource=rollouts.sluice.dev,applications.sluice.dev,gitrepositories.sluice.dev,replicasets.apps',
    ]);
    await cluster.kubectl([
      'create',
      'rolebinding',
      '-n',
      ro.ns,
      'viewer',
      '--role=viewer',
      `--serviceaccount=${ro.ns}:viewer`,
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'dashboard-viewer-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const kubeconfig = await serviceAccountKubeconfig(cluster, ro.ns, 'viewer', join(dir, 'kubeconfig'));
    const viewer = await startDashboard(cluster, ['-n', ro.ns, '--kubeconfig', kubeconfig]);
    stops.push(viewer.stop);
    const view = await openPage(browser, rolloutUrl(viewer.url), pageErrors);
    await view.locator('li.step-aborted').waitFor();
    // What cannot be listed is said, with the API server's answer; the rest is shown.
    await view.getByRole('alert').getByText('Cannot list analysisruns: Forbidden').waitFor();
    await view.getByRole('button', { name: 'Retry' }).click();
    await view.getByRole('dialog').getByRole('button', { name: 'Retry' }).click();
    const refusal = view.locator('.outcome.refused');
    await refusal.getByText('Forbidden').waitFor();
    expect(await refusal.textContent()).toContain(
      `system:serviceaccount:${ro.ns}:viewer" cannot patch resource "rollouts/status"`,
    );
    await screenshot(view, 'forbidden');
    expect((await ro.get('web')).status?.abort).toBe(true);
    await eventually(async () => expect(pageErrors).toEqual([]));
  });

  it('shows an Application with what it applied, and reconciles it on request', async () => {
    const sha = await suite.work.head();
    await page.goto(`${dashboard.url}#/applications/${ro.ns}/shop`);
    await page.getByRole('heading', { name: /Application shop/ }).waitFor();
    await summary(page, 'Sync', 'Synced').waitFor();
    await summary(page, 'Health', 'Healthy').waitFor();
    expect(await summary(page, 'Applied', 'main@sha1:').getByRole('code').getAttribute('title')).toBe(
      `main@sha1:${sha}`,
    );
    await page
      .getByRole('region', { name: 'Applied objects (1)' })
      .getByRole('row', { name: /settings/ })
      // Each object's health, by the controller's rules, read with the user's credentials.
      .getByText('Healthy')
      .waitFor();
    const before = (await suite.getApp('shop')).status?.lastHandledReconcileAt;
    await page.getByRole('button', { name: 'Reconcile now' }).click();
    await page.getByText('reconcile of shop requested').waitFor();
    await eventually(async () => {
      const app = await suite.getApp('shop');
      expect(app.status?.lastHandledReconcileAt).toBeDefined();
      expect(app.status?.lastHandledReconcileAt).not.toBe(before);
    }, 60_000);
    // The trail of the commit it applied, as `kubectl sluice trail` tells it.
    const trail = page.getByRole('region', { name: 'Trail' });
    await trail.getByText('Applied', { exact: true }).waitFor();
    await trail.locator('li.stage-fetched', { hasText: 'GitRepository/repo' }).waitFor();
    await trail.locator('li.stage-sync').first().waitFor();
    expect(await trail.getByRole('code').first().getAttribute('title')).toBe(`main@sha1:${sha}`);
    await screenshot(page, 'application');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'application-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows a render error with the file and line it names', async () => {
    await suite.push(
      { 'broken/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n' },
      'broken',
    );
    await applyObject(
      cluster.api,
      applicationResource,
      suite.application('broken', { path: 'broken', interval: '1h' }),
    );
    await page.goto(`${dashboard.url}#/applications/${ro.ns}/broken`);
    const error = page.getByRole('alert').filter({ hasText: 'Last error' });
    await error.locator('code.error-at', { hasText: 'broken/bad.yaml' }).waitFor();
    expect(await error.textContent()).toMatch(/in broken\/bad\.yaml, line 5: .*broken\/bad\.yaml:5/);
    await summary(page, 'Sync', 'OutOfSync').waitFor();
    await screenshot(page, 'render-error');
    // Back where the next test expects the page.
    await page.goto(`${dashboard.url}#/applications/${ro.ns}/shop`);
    await page.getByRole('heading', { name: /Application shop/ }).waitFor();
  });

  it('reconnects by itself when the dashboard comes back, and catches up', async () => {
    await page.evaluate(() => Object.assign(globalThis, { sluiceTestMarker: 'app' }));
    const port = new URL(dashboard.url).port;
    await dashboard.stop();
    await page.getByText('Reconnecting…').waitFor();
    const sha = await suite.push({ 'app/extra.yaml': cm('extra', { b: '2' }) }, 'add extra');
    dashboard = await startDashboard(cluster, ['-n', ro.ns, '--port', port]);
    stops.push(dashboard.stop);
    await page.getByText('Live', { exact: true }).waitFor();
    await page
      .getByRole('region', { name: 'Applied objects (2)' })
      .getByRole('row', { name: /extra/ })
      .getByText('Healthy')
      .waitFor();
    await summary(page, 'Applied', `main@sha1:${sha.slice(0, 8)}`).waitFor();
    expect(await page.evaluate(() => (globalThis as { sluiceTestMarker?: string }).sluiceTestMarker)).toBe(
      'app',
    );
  });

  it('with -A lists every namespace the user may list', async () => {
    const all = await startDashboard(cluster, ['-A']);
    stops.push(all.stop);
    const overview = await openPage(browser, all.url, pageErrors);
    await overview.getByRole('heading', { name: 'Overview — all namespaces' }).waitFor();
    await overview.getByLabel('Filter').fill(ro.ns);
    const row = overview.getByRole('region', { name: 'Rollouts' }).getByRole('row', { name: /web/ });
    await row.getByText(ro.ns).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('is served read-only by the controller, which lists objects and refuses every action', async () => {
    const line = await suite.ctl.waitForLog((l) => l.msg === 'dashboard listening (read-only)');
    const url = String(line.url);
    const overview = await openPage(browser, url, pageErrors);
    await overview.getByRole('heading', { name: `Overview — namespace ${ro.ns}` }).waitFor();
    await overview.getByRole('region', { name: 'Rollouts' }).getByRole('row', { name: /web/ }).waitFor();
    await overview
      .getByRole('region', { name: 'Applications' })
      .getByRole('row', { name: /shop/ })
      .getByText('Synced')
      .waitFor();

    await overview.goto(rolloutUrl(url));
    await overview.locator('li.step-aborted').waitFor();
    const note = overview.locator('#read-only-note');
    await note.getByText('Read-only dashboard').waitFor();
    // Every button says why it is off, to a screen reader too.
    const buttons = overview.getByRole('group', { name: 'Rollout actions' }).getByRole('button');
    expect(await buttons.count()).toBe(7);
    for (const b of await buttons.all()) {
      expect(await b.isDisabled()).toBe(true);
      expect(await b.getAttribute('aria-describedby')).toBe('read-only-note');
    }
    await screenshot(overview, 'controller-read-only');
    await overview.emulateMedia({ colorScheme: 'dark' });
    await screenshot(overview, 'controller-read-only-dark');
    // A request made around the page is refused with the same reason, and changes nothing.
    const answer = await overview.evaluate(async (path) => {
      const res = await fetch(path, { method: 'POST', headers: { 'x-sluice-dashboard': '1' } });
      return { status: res.status, body: (await res.json()) as { error: string } };
    }, `api/rollouts/${ro.ns}/web/retry`);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatch(/^read-only dashboard: /);
    expect((await ro.get('web')).status?.abort).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it(
    'retries, pauses, resumes, promotes fully and undoes from the buttons',
    async () => {
      await page.goto(rolloutUrl(dashboard.url));
      await page.locator('li.step-aborted').waitFor();
      const dialog = page.getByRole('dialog');
      const click = async (label: string, confirm: boolean) => {
        await page.getByRole('button', { name: label, exact: true }).and(page.locator(':enabled')).click();
        if (confirm) await dialog.getByRole('button', { name: label, exact: true }).click();
      };

      await click('Retry', true);
      await page.getByText('rollout.sluice.dev/web retried').waitFor();
      await summary(page, 'Step', '2/7').waitFor();
      await summary(page, 'Phase', 'Paused').waitFor();

      // Pause shifts no traffic: no question asked.
      await click('Pause', false);
      await page.getByText('rollout.sluice.dev/web paused').waitFor();
      await ro.waitFor('web', (r) => expect(r.spec.paused).toBe(true));
      await summary(page, 'Paused', 'spec.paused').waitFor();
      await click('Resume', true);
      await page.getByText('rollout.sluice.dev/web resumed').waitFor();
      await ro.waitFor('web', (r) => expect(r.spec.paused).toBeFalsy());

      await click('Promote full', true);
      await page.getByText('rollout.sluice.dev/web fully promoted').waitFor();
      await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(r.status?.currentPodHash);
      });
      await summary(page, 'Phase', 'Healthy').waitFor();
      await versions(page, 'stable').getByText('example.invalid/web:2').waitFor();

      await click('Undo', true);
      await page.getByText(/rollout\.sluice\.dev\/web rolled back to revision 1/).waitFor();
      await ro.waitFor('web', (r) =>
        expect(JSON.stringify(r.spec.template)).toContain('example.invalid/web:1'),
      );
      await summary(page, 'Step', '2/7').waitFor();
      await versions(page, 'canary').getByText('example.invalid/web:1').waitFor();
      await screenshot(page, 'undo');
      expect(pageErrors).toEqual([]);
    },
    SLOW,
  );
});
