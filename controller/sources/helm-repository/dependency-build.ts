// `helm dependency build` for a chart whose dependencies are not vendored, against the
// HelmRepositories of the namespace (dependencies.ts says which serves each URL), with their
// credentials in a throwaway Helm home.

import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HelmRepository } from '../../api/helm-repository.ts';
import { missingDependencies, readChartMeta } from '../../apps/helm/chart-dependencies.ts';
import { isTrue, READY } from '../../runtime/conditions.ts';
import { StallingError } from '../../runtime/reconcile-errors.ts';
import { DependencyError, isLocal, matchDependencies, type RepositoryUrl } from './dependencies.ts';
import { runHelm } from './helm-cli.ts';
import { type BasicAuth, type HomeRegistry, type HomeRepository, helmHome } from './helm-home.ts';
import { classifyHelmError, registryHost } from './repository-client.ts';
import { isOci, repoKey } from './repository-spec.ts';

/** How to reach a HelmRepository: its credentials and its current index. */
export interface RepositoryAccess {
  auth(repo: HelmRepository): Promise<BasicAuth | undefined>;
  index(repo: HelmRepository): Promise<{ text: string }>;
}

/** Remote dependencies with nothing for them under the chart's charts/. */
export async function unvendored(chartDir: string) {
  const meta = await readChartMeta(chartDir, chartDir);
  const charts = join(chartDir, 'charts');
  const vendored = existsSync(charts) ? await readdir(charts) : [];
  return missingDependencies(meta.dependencies, vendored).filter((d) => !isLocal(d));
}

/** Runs `helm dependency build` in `chartDir` when Chart.yaml names dependencies not vendored. */
export async function buildDependencies(opts: {
  helm: string;
  chartDir: string;
  namespace: string;
  repositories: readonly HelmRepository[];
  timeoutMs: number;
  access: RepositoryAccess;
}): Promise<void> {
  const missing = await unvendored(opts.chartDir);
  if (missing.length === 0) return;
  const byKey = new Map(opts.repositories.map((r) => [repoKey(r), r]));
  // Several HelmRepositories may have the URL (one with wrong credentials, say): a ready one wins.
  const ready = (r: HelmRepository) => isTrue(r.status?.conditions, READY);
  const urls: RepositoryUrl[] = [...opts.repositories]
    .sort((a, b) => Number(ready(b)) - Number(ready(a)))
    .map((r) => ({ key: repoKey(r), url: r.spec.url, oci: isOci(r) }));
  let used: Map<string, RepositoryUrl>;
  try {
    used = matchDependencies(missing, urls, opts.namespace);
  } catch (err) {
    if (err instanceof DependencyError)
      throw new StallingError('DependencyNotResolved', err.message, { cause: err, retryAfterMs: 60_000 });
    throw err;
  }
  const repositories: HomeRepository[] = [];
  const registries: HomeRegistry[] = [];
  let plainHttp = false;
  for (const [key] of used) {
    const repo = byKey.get(key) as HelmRepository;
    const auth = await opts.access.auth(repo);
    if (isOci(repo)) {
      plainHttp ||= repo.spec.insecure === true;
      if (auth) registries.push({ host: registryHost(repo.spec.url), auth });
    } else {
      const { text } = await opts.access.index(repo);
      repositories.push({ name: `repo-${repositories.length}`, url: repo.spec.url, auth, index: text });
    }
  }
  const home = await helmHome(repositories, registries);
  try {
    const args = [
      'dependency',
      'build',
      opts.chartDir,
      '--skip-refresh',
      ...(plainHttp ? ['--plain-http'] : []),
    ];
    await runHelm(opts.helm, args, { env: home.env, timeoutMs: opts.timeoutMs });
  } catch (err) {
    throw classifyHelmError(err);
  } finally {
    await home.cleanup();
  }
}
