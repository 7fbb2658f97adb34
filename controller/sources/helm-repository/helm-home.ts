// A throwaway Helm home for one helm invocation: every directory Helm reads or writes points
// into it (the controller's own filesystem is read-only), and credentials live in files only
// we can read, never on a command line other processes can see.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface BasicAuth {
  username: string;
  password: string;
}

/** An index repository Helm knows by name (repositories.yaml), with its index already fetched. */
export interface HomeRepository {
  name: string;
  url: string;
  auth: BasicAuth | undefined;
  /** index.yaml text, put in the repository cache so Helm does not fetch it again. */
  index: string | undefined;
}

/** A registry login (the docker config.json Helm reads), by host[:port]. */
export interface HomeRegistry {
  host: string;
  auth: BasicAuth;
}

export interface HelmHome {
  dir: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function helmHome(
  repositories: readonly HomeRepository[] = [],
  registries: readonly HomeRegistry[] = [],
): Promise<HelmHome> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-helm-'));
  const cache = join(dir, 'repository-cache');
  const env = {
    HELM_CONFIG_HOME: join(dir, 'config'),
    HELM_CACHE_HOME: join(dir, 'cache'),
    HELM_DATA_HOME: join(dir, 'data'),
    HELM_REPOSITORY_CONFIG: join(dir, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: cache,
    HELM_REGISTRY_CONFIG: join(dir, 'registry.json'),
    // Helm's plugins and HOME-relative defaults must not reach outside this home either.
    HOME: dir,
    HELM_PLUGINS: join(dir, 'plugins'),
  };
  try {
    const repos = repositories.map((r) => ({
      name: r.name,
      url: r.url,
      ...(r.auth ? { username: r.auth.username, password: r.auth.password } : {}),
      // Credentials go to the repository's own host only, not to where its index points.
      pass_credentials_all: false,
    }));
    await writeFile(env.HELM_REPOSITORY_CONFIG, stringify({ apiVersion: '', repositories: repos }), {
      mode: 0o600,
    });
    await mkdir(cache, { recursive: true, mode: 0o700 });
    for (const r of repositories) {
      if (r.index !== undefined)
        await writeFile(join(cache, `${r.name}-index.yaml`), r.index, { mode: 0o600 });
    }
    const auths = Object.fromEntries(
      registries.map((r) => [
        r.host,
        { auth: Buffer.from(`${r.auth.username}:${r.auth.password}`).toString('base64') },
      ]),
    );
    await writeFile(env.HELM_REGISTRY_CONFIG, JSON.stringify({ auths }), { mode: 0o600 });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
