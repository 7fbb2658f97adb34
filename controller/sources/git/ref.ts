import semver from 'semver';

/** GitRepository.spec.ref, Flux's field names; at most one is set (CEL enforces it). */
interface GitRef {
  branch?: string;
  tag?: string;
  semver?: string;
  /** A full reference name, e.g. refs/heads/main or refs/pull/1/head. */
  name?: string;
  commit?: string;
}

export interface RemoteRef {
  name: string;
  sha: string;
}

export class RefError extends Error {
  override readonly name = 'RefError';
}

/** Parses `git ls-remote` output; for annotated tags the peeled `^{}` line wins. */
export function parseLsRemote(output: string): RemoteRef[] {
  const refs = new Map<string, string>();
  for (const line of output.split('\n')) {
    const m = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line.trim());
    if (!m) continue;
    const [, sha, name] = m as unknown as [string, string, string];
    if (name.endsWith('^{}')) refs.set(name.slice(0, -3), sha);
    else if (!refs.has(name)) refs.set(name, sha);
  }
  return [...refs].map(([name, sha]) => ({ name, sha }));
}

export interface ResolvedRef {
  /** The remote ref to fetch (absent for a bare commit). */
  refName?: string;
  /** The short name in the revision string: branch or tag name. */
  shortName?: string;
  sha: string;
}

/**
 * Picks the commit a ref points to from the remote's refs, without fetching anything.
 * The default, like Flux, is the `master` branch only when nothing is set; we follow the
 * remote HEAD instead, which is what people mean today.
 */
export function resolveRef(ref: GitRef | undefined, remote: RemoteRef[]): ResolvedRef {
  const find = (name: string) => remote.find((r) => r.name === name);
  if (ref?.commit && !ref.branch) return { sha: ref.commit };
  if (ref?.name) {
    const r = find(ref.name);
    if (!r) throw new RefError(`reference ${ref.name} not found on the remote`);
    return { refName: r.name, shortName: ref.name.replace(/^refs\/(heads|tags)\//, ''), sha: r.sha };
  }
  if (ref?.semver) {
    const range = semver.validRange(ref.semver);
    if (!range) throw new RefError(`invalid semver range ${JSON.stringify(ref.semver)}`);
    let best: { tag: string; version: string; sha: string } | undefined;
    for (const r of remote) {
      if (!r.name.startsWith('refs/tags/')) continue;
      const tag = r.name.slice('refs/tags/'.length);
      const version = semver.clean(tag, { loose: true });
      if (!version || !semver.satisfies(version, range)) continue;
      if (!best || semver.gt(version, best.version)) best = { tag, version, sha: r.sha };
    }
    if (!best) throw new RefError(`no tag matches semver range ${JSON.stringify(ref.semver)}`);
    return { refName: `refs/tags/${best.tag}`, shortName: best.tag, sha: best.sha };
  }
  if (ref?.tag) {
    const r = find(`refs/tags/${ref.tag}`);
    if (!r) throw new RefError(`tag ${ref.tag} not found on the remote`);
    return { refName: r.name, shortName: ref.tag, sha: r.sha };
  }
  let branch = ref?.branch;
  if (!branch) {
    const head = find('HEAD');
    const match = head && remote.find((r) => r.name.startsWith('refs/heads/') && r.sha === head.sha);
    branch = match ? match.name.slice('refs/heads/'.length) : 'main';
  }
  const r = find(`refs/heads/${branch}`);
  if (!r) throw new RefError(`branch ${branch} not found on the remote`);
  // A commit pinned together with a branch: fetch the branch, check out the commit.
  return { refName: r.name, shortName: branch, sha: ref?.commit ?? r.sha };
}

/** Flux's revision format: `<branch or tag>@sha1:<sha>`, or `sha1:<sha>` for a bare commit. */
export function formatRevision(resolved: ResolvedRef): string {
  const algo = resolved.sha.length === 64 ? 'sha256' : 'sha1';
  return resolved.shortName ? `${resolved.shortName}@${algo}:${resolved.sha}` : `${algo}:${resolved.sha}`;
}

export function shaOfRevision(revision: string | undefined): string | undefined {
  return revision ? /sha(?:1|256):([0-9a-f]+)$/.exec(revision)?.[1] : undefined;
}

/** Normalises a repository URL so webhooks can match it regardless of form. */
export function normaliseRepoUrl(url: string): string {
  let u = url.trim();
  const scp = /^([^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(u);
  if (scp && !u.includes('://')) u = `ssh://${scp[1] ?? ''}${scp[2]}/${scp[3]}`;
  try {
    const parsed = new URL(u);
    const path = parsed.pathname
      .replace(/\/{2,}/g, '/')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
    return `${parsed.hostname.toLowerCase()}${path}`.toLowerCase();
  } catch {
    return u
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
      .toLowerCase();
  }
}
