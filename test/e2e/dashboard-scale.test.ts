// The dashboard's overview with 1,000 Applications, in a real Chromium: every one listed (the
// count says so, and the last row is there), the filter finds one, and a status change of one
// Application streams to its row. The objects sit in a namespace no controller watches, so
// their status is what the test writes.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationResource } from '../../controller/api/application.ts';
import { createNamespace, deleteNamespace, testCluster } from '../support/cluster.ts';
import {
  buildDashboard,
  launchBrowser,
  openPage,
  screenshot,
  startDashboard,
} from '../support/dashboard-ui.ts';
import { createMany, manyApplication, manyName, setAppStatus } from '../support/many-objects.ts';
import { SLOW } from '../support/rollouts.ts';

const COUNT = 1000;
const cluster = testCluster();
let ns: string;
let url: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'dash-scale');
  stops.push(() => deleteNamespace(cluster.api, ns));
  await buildDashboard();
  await createMany(cluster.api, applicationResource, COUNT, (i) => manyApplication(ns, i));
  const dashboard = await startDashboard(cluster, ['-n', ns]);
  url = dashboard.url;
  stops.push(dashboard.stop);
  browser = await launchBrowser();
  stops.push(() => browser.close());
}, SLOW);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

const apps = (p: Page) => p.getByRole('region', { name: /^Applications \(/ });

describe('the dashboard with 1,000 Applications', () => {
  it('lists every one of them', async () => {
    page = await openPage(browser, url, pageErrors);
    await page.getByRole('heading', { name: `Applications (${COUNT})`, exact: true }).waitFor();
    expect(await apps(page).locator('tbody tr').count()).toBe(COUNT);
    await apps(page)
      .getByRole('row', { name: new RegExp(manyName('app', COUNT - 1)) })
      .waitFor();
    await screenshot(page, 'many-applications', false);
  });

  it('filters them down to the one searched for', async () => {
    const name = manyName('app', 617);
    await page.getByLabel('Filter').fill(name);
    await page.getByRole('heading', { name: `Applications (1 of ${COUNT})`, exact: true }).waitFor();
    expect(await apps(page).locator('tbody tr').count()).toBe(1);
    await apps(page)
      .getByRole('row', { name: new RegExp(name) })
      .waitFor();
    await page.getByLabel('Filter').fill('');
    await page.getByRole('heading', { name: `Applications (${COUNT})`, exact: true }).waitFor();
  });

  it('shows a status change of one of them as it streams in', async () => {
    const name = manyName('app', 433);
    const row = apps(page).getByRole('row', { name: new RegExp(`^${name} `) });
    await row.getByText('Unknown').first().waitFor();
    await page.evaluate(() => Object.assign(globalThis, { sluiceTestMarker: true }));
    await setAppStatus(cluster.api, ns, name, { syncStatus: 'OutOfSync', health: 'Degraded' });
    await row.getByText('OutOfSync').waitFor();
    await row.getByText('Degraded').waitFor();
    // Only that row changed; the page was not reloaded to show it.
    expect(await apps(page).getByText('Degraded').count()).toBe(1);
    expect(await page.evaluate(() => 'sluiceTestMarker' in globalThis)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
