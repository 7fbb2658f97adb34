// The web dashboard as a person uses it: `kubectl sluice dashboard` in its own process (the
// installed entry point), and Debian's Chromium driven by playwright-core to look and click.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import type { TestCluster } from './cluster.ts';
import { sluiceWatch } from './kubectl-sluice.ts';

/** Installed by test/prepare.sh (apt-get install chromium): a browser download cannot work here. */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));

/** Builds the page as `npm test` does, so the test never looks at a stale build. */
export async function buildDashboard(): Promise<void> {
  await build({ configFile: fileURLToPath(new URL('../../dashboard/vite.config.ts', import.meta.url)) });
}

interface Dashboard {
  url: string;
  stop(): Promise<number | null>;
}

/** Starts `kubectl sluice dashboard --port 0 ARGS` and returns the address it prints. */
export async function startDashboard(cluster: TestCluster, args: string[]): Promise<Dashboard> {
  const proc = sluiceWatch(cluster, ['dashboard', '--port', '0', ...args]);
  const out = await proc.waitFor((o) => /http:\/\/127\.0\.0\.1:\d+\//.test(o), 30_000);
  const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0] as string;
  return { url, stop: proc.stop };
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run bash test/prepare.sh (it installs Debian's chromium)`);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM });
}

/** A page that fails the test on a script error, as a person would see a broken page. */
export async function openPage(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(120_000);
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(url);
  return page;
}

/** `fullPage: false` for a long list, where the window is what a person sees. */
export function screenshot(page: Page, name: string, fullPage = true): Promise<Buffer> {
  return page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage });
}
