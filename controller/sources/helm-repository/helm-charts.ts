// Charts for Applications: which version of a chart a range means today, and its files,
// pulled with `helm pull` into a cache keyed by repository, name, version and digest.
// Dependencies that are not vendored are built from the namespace's HelmRepositories.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HELM_REPOSITORY_DEFAULTS, type HelmRepository } from '../../api/helm-repository.ts';
import { resolveWithin } from '../../apps/safe-path.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import { parseDuration } from '../../runtime/duration.ts';
import { StallingError, WaitingError } from '../../runtime/reconcile-errors.ts';
import { sourceSecretData } from '../source-secret.ts';
import { chooseChart, highestMatching, parseChartIndex, sha256Revision } from './chart-index.ts';
import { buildDependencies, unvendored } from './dependency-build.ts';
import { runHelm } from './helm-cli.ts';
import { type BasicAuth, helmHome } from './helm-home.ts';
import { checkRegistry, classifyHelmError, fetchIndex, registryHost } from './repository-client.ts';
import { isOci, repoKey, timeoutOf } from './repository-spec.ts';

/** The chart an Application names (spec.helm.chart), less its sourceRef. */
export interface ChartRequest {
  name: string;
  /** A semver range; unset means the highest release. */
  version?: string | undefined;
}

export interface ResolvedChart {
  name: string;
  version: string;
  /** `sha256:<hex>` of the package. */
  digest: string;
  /** `<version>@sha256:<hex>`: the Application's revision. */
  revision: string;
}

/** What the HelmRepository's own reconcile found. */
export interface RepositoryCheck {
  /** Revision of the index (type default); none for a registry. */
  revision: string | undefined;
  size: number | undefined;
  url: string;
}

const hex = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

export class HelmCharts {
  private readonly api: ObjectApi;
  private readonly helm: string;
  private readonly root: string;
  /** Pulls under way, by cache key: Applications of the same chart wait for one. */
  private readonly pulling = new Map<string, Promise<string>>();

  constructor(opts: { api: ObjectApi; helm: string; cacheDir: string }) {
    this.api = opts.api;
    this.helm = opts.helm;
    this.root = join(opts.cacheDir, 'helm');
  }

  /** The HelmRepository's reconcile: fetch and keep the index, or check the registry. */
  async check(repo: HelmRepository): Promise<RepositoryCheck> {
    const auth = await this.auth(repo);
    if (isOci(repo)) {
      await checkRegistry({
        helm: this.helm,
        url: repo.spec.url,
        auth,
        insecure: repo.spec.insecure === true,
        timeoutMs: timeoutOf(repo),
      });
      return { revision: undefined, size: undefined, url: repo.spec.url };
    }
    const text = await fetchIndex(repo.spec.url, auth, timeoutOf(repo));
    const revision = sha256Revision(text);
    parseChartIndex(text, `index of ${repo.spec.url}`);
    await this.keepIndex(revision, text);
    return { revision, size: Buffer.byteLength(text), url: repo.spec.url };
  }

  /** The chart version a request means now, and the revision the Application will show. */
  async resolve(repo: HelmRepository, chart: ChartRequest): Promise<ResolvedChart> {
    if (isOci(repo)) return this.resolveOci(repo, chart);
    const { text } = await this.index(repo);
    const where = `HelmRepository ${repoKey(repo)} (${repo.spec.url})`;
    const entry = chooseChart(parseChartIndex(text, where), chart.name, chart.version, where);
    if (!entry.digest)
      throw new StallingError(
        'ChartPullFailed',
        `${where}: chart ${chart.name} ${entry.version} has no digest in the index`,
      );
    return {
      name: chart.name,
      version: entry.version,
      digest: entry.digest,
      revision: `${entry.version}@${entry.digest}`,
    };
  }

  /**
   * The directory of the chart, pulled (and its dependencies built) once per digest.
   * `namespaceRepositories` are the HelmRepositories dependencies may come from.
   */
  async files(
    repo: HelmRepository,
    chart: ResolvedChart,
    namespaceRepositories: readonly HelmRepository[],
  ): Promise<string> {
    const key = hex(`${repo.spec.url}|${chart.name}|${chart.version}|${chart.digest}`);
    const dir = join(this.root, 'charts', key);
    if (existsSync(dir)) return dir;
    let pending = this.pulling.get(key);
    if (!pending) {
      pending = this.pull(repo, chart, dir, namespaceRepositories).finally(() => this.pulling.delete(key));
      this.pulling.set(key, pending);
    }
    return pending;
  }

  /**
   * The checkout to render a chart in git from: `root` itself, or, when the chart at `path`
   * has dependencies that are not vendored, a copy of it with them built (checkouts are
   * shared and stay as fetched). Kept per checkout and path.
   */
  async withDependencies(
    root: string,
    path: string,
    namespace: string,
    namespaceRepositories: readonly HelmRepository[],
  ): Promise<string> {
    const chartDir = await resolveWithin(root, path || '.');
    if (!existsSync(join(chartDir, 'Chart.yaml')) || (await unvendored(chartDir)).length === 0) return root;
    const key = hex(`${root}|${path}`);
    const dir = join(this.root, 'git', key);
    if (existsSync(dir)) return dir;
    let pending = this.pulling.get(key);
    if (!pending) {
      pending = this.copyAndBuild(root, path, dir, namespace, namespaceRepositories).finally(() =>
        this.pulling.delete(key),
      );
      this.pulling.set(key, pending);
    }
    return pending;
  }

  private async copyAndBuild(
    root: string,
    path: string,
    dir: string,
    namespace: string,
    namespaceRepositories: readonly HelmRepository[],
  ): Promise<string> {
    await mkdir(join(this.root, 'git'), { recursive: true });
    const work = await mkdtemp(join(this.root, 'git', '.build-'));
    try {
      const tree = join(work, 'tree');
      await cp(root, tree, { recursive: true, verbatimSymlinks: true });
      const timeoutMs = parseDuration(HELM_REPOSITORY_DEFAULTS.timeout);
      await this.buildDependencies(
        await resolveWithin(tree, path || '.'),
        namespace,
        namespaceRepositories,
        timeoutMs,
      );
      await rename(tree, dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
      return dir;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async pull(
    repo: HelmRepository,
    chart: ResolvedChart,
    dir: string,
    namespaceRepositories: readonly HelmRepository[],
  ): Promise<string> {
    await mkdir(join(this.root, 'charts'), { recursive: true });
    const work = await mkdtemp(join(this.root, 'charts', '.pull-'));
    try {
      const { tgz } = await this.pullPackage(repo, chart.name, chart.version, work);
      const digest = sha256Revision(await readFile(tgz));
      if (digest !== chart.digest) {
        throw new StallingError(
          'ChartPullFailed',
          `chart ${chart.name} ${chart.version} from ${repo.spec.url} has digest ${digest}, not ${chart.digest} as its repository says`,
        );
      }
      const out = join(work, 'chart');
      await mkdir(out);
      await untar(tgz, out);
      const chartDir = join(out, chart.name);
      if (!existsSync(join(chartDir, 'Chart.yaml')))
        throw new StallingError(
          'ChartPullFailed',
          `chart ${chart.name} ${chart.version} has no ${chart.name}/Chart.yaml`,
        );
      await this.buildDependencies(
        chartDir,
        repo.metadata.namespace as string,
        namespaceRepositories,
        timeoutOf(repo),
      );
      await rename(out, dir).catch((err: NodeJS.ErrnoException) => {
        // Another replica or reconcile got there first with the same digest: theirs is as good.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
      return dir;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** `helm pull` of one exact version into `work`, as a .tgz. */
  private async pullPackage(
    repo: HelmRepository,
    name: string,
    version: string,
    work: string,
  ): Promise<{ tgz: string }> {
    const auth = await this.auth(repo);
    const dest = join(work, 'pulled');
    await mkdir(dest);
    const oci = isOci(repo);
    const home = oci
      ? await helmHome([], auth ? [{ host: registryHost(repo.spec.url), auth }] : [])
      : await helmHome([{ name: 'source', url: repo.spec.url, auth, index: (await this.index(repo)).text }]);
    try {
      const ref = oci ? `${repo.spec.url.replace(/\/+$/, '')}/${name}` : `source/${name}`;
      await runHelm(
        this.helm,
        [
          'pull',
          ref,
          '--version',
          version,
          '--destination',
          dest,
          ...(oci && repo.spec.insecure ? ['--plain-http'] : []),
        ],
        { env: home.env, timeoutMs: timeoutOf(repo) },
      );
    } catch (err) {
      throw classifyHelmError(err);
    } finally {
      await home.cleanup();
    }
    const file = (await readdir(dest)).find((f) => f.endsWith('.tgz'));
    if (!file)
      throw new StallingError(
        'ChartPullFailed',
        `helm pull of ${name} ${version} from ${repo.spec.url} gave no package`,
      );
    return { tgz: join(dest, file) };
  }

  /** OCI: the registry's tags say which versions exist; helm resolves the range against them. */
  private async resolveOci(repo: HelmRepository, chart: ChartRequest): Promise<ResolvedChart> {
    const auth = await this.auth(repo);
    const ref = `${repo.spec.url.replace(/\/+$/, '')}/${chart.name}`;
    const home = await helmHome([], auth ? [{ host: registryHost(repo.spec.url), auth }] : []);
    let version: string | undefined;
    try {
      const { stdout } = await runHelm(
        this.helm,
        [
          'show',
          'chart',
          ref,
          ...(chart.version ? ['--version', chart.version] : []),
          ...(repo.spec.insecure ? ['--plain-http'] : []),
        ],
        { env: home.env, timeoutMs: timeoutOf(repo) },
      );
      const shown = parse(stdout) as { version?: unknown } | null;
      version = typeof shown?.version === 'string' ? shown.version : undefined;
    } catch (err) {
      throw classifyHelmError(err);
    } finally {
      await home.cleanup();
    }
    if (!version || !highestMatching([version], chart.version))
      throw new StallingError(
        'ChartPullFailed',
        `no version of chart ${chart.name} in ${repo.spec.url} matches ${JSON.stringify(chart.version ?? '*')}`,
      );
    // A tag's digest is learnt by pulling it once; the record keeps it for later reconciles.
    const record = join(this.root, 'oci', hex(`${ref}|${version}`));
    let digest = existsSync(record) ? (await readFile(record, 'utf8')).trim() : '';
    if (!digest) {
      await mkdir(join(this.root, 'oci'), { recursive: true });
      const work = await mkdtemp(join(this.root, 'oci', '.pull-'));
      try {
        const { tgz } = await this.pullPackage(repo, chart.name, version, work);
        digest = sha256Revision(await readFile(tgz));
        await writeFile(record, digest);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }
    return { name: chart.name, version, digest, revision: `${version}@${digest}` };
  }

  private buildDependencies(
    chartDir: string,
    namespace: string,
    repositories: readonly HelmRepository[],
    timeoutMs: number,
  ): Promise<void> {
    const access = { auth: (r: HelmRepository) => this.auth(r), index: (r: HelmRepository) => this.index(r) };
    return buildDependencies({ helm: this.helm, chartDir, namespace, repositories, timeoutMs, access });
  }

  /** The index of the repository's current revision: from the cache, or fetched again. */
  private async index(repo: HelmRepository): Promise<{ text: string; revision: string }> {
    const revision = repo.status?.artifact?.revision;
    if (!revision)
      throw new WaitingError('SourceNotReady', `HelmRepository ${repoKey(repo)} has no index yet`, 5_000);
    const file = this.indexFile(revision);
    if (existsSync(file)) return { text: await readFile(file, 'utf8'), revision };
    // A restart emptied the cache: today's index is as good as the one status names.
    const text = await fetchIndex(repo.spec.url, await this.auth(repo), timeoutOf(repo));
    const fetched = sha256Revision(text);
    await this.keepIndex(fetched, text);
    return { text, revision: fetched };
  }

  private indexFile(revision: string): string {
    return join(this.root, 'indexes', `${revision.replace(/^sha256:/, '')}.yaml`);
  }

  private async keepIndex(revision: string, text: string): Promise<void> {
    const file = this.indexFile(revision);
    if (existsSync(file)) return;
    await mkdir(join(this.root, 'indexes'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, file);
  }

  /** Basic auth from spec.secretRef (keys username and password). */
  private async auth(repo: HelmRepository): Promise<BasicAuth | undefined> {
    const name = repo.spec.secretRef?.name;
    if (!name) return undefined;
    const data = await sourceSecretData(this.api, repo.metadata.namespace, name);
    const get = (k: string) => (data?.[k] ? Buffer.from(data[k], 'base64').toString('utf8') : undefined);
    const username = get('username');
    const password = get('password');
    if (username === undefined || password === undefined)
      throw new StallingError(
        'AuthenticationFailed',
        `Secret ${repo.metadata.namespace}/${name} needs keys username and password`,
        { retryAfterMs: 30_000 },
      );
    return { username, password };
  }
}

/** Unpacks a chart package. GNU tar refuses members with `..` and absolute names. */
async function untar(tgz: string, into: string): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    execFile(
      'tar',
      ['-xzf', tgz, '-C', into, '--no-same-owner', '--no-same-permissions'],
      { timeout: 60_000 },
      (err) =>
        err
          ? reject(new StallingError('ChartPullFailed', `unpacking ${tgz}: ${err.message}`, { cause: err }))
          : resolve(),
    ),
  );
}
