import type { GitRepository } from '../api/git-repository.ts';
import { GIT_REPOSITORY_DEFAULTS } from '../api/git-repository.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { parseDuration } from '../runtime/duration.ts';
import { StallingError, TransientError } from '../runtime/reconcile-errors.ts';
import { credentialsFromSecretData, GitAuthError, type GitCredentials } from './git/auth.ts';
import { ArtifactTooLargeError, type GitCache } from './git/git-cache.ts';
import { formatRevision, RefError, type ResolvedRef, resolveRef, shaOfRevision } from './git/ref.ts';
import { sourceSecretData } from './source-secret.ts';

export interface FetchedSource {
  revision: string;
  sha: string;
  dir: string;
  /** False when the commit was already in the cache. */
  fetched: boolean;
}

/** Pairs of revisions whose changed files are kept: a push's, and a few older ones. */
const CHANGED_FILES_KEPT = 32;

/**
 * Resolves and fetches GitRepositories, for their own reconciler and for Applications
 * that need the files of a revision (for instance after a restart emptied the cache).
 */
export class GitSource {
  readonly cache: GitCache;
  private readonly api: ObjectApi;
  private readonly changes = new Map<string, Promise<readonly string[] | undefined>>();

  constructor(api: ObjectApi, cache: GitCache) {
    this.api = api;
    this.cache = cache;
  }

  /** Resolves the spec's ref on the remote and makes its files available. */
  async fetchLatest(repo: GitRepository): Promise<FetchedSource> {
    const creds = await this.credentials(repo);
    const timeoutMs = parseDuration(repo.spec.timeout ?? GIT_REPOSITORY_DEFAULTS.timeout);
    let resolved: ResolvedRef;
    try {
      const refs = await this.cache.lsRemote(repo.spec.url, creds, timeoutMs);
      resolved = resolveRef(repo.spec.ref, refs);
    } catch (err) {
      throw classifyGitError(err);
    }
    const revision = formatRevision(resolved);
    const fetched = !this.cache.hasArtifact(resolved.sha);
    try {
      const dir = await this.cache.fetchArtifact(repo.spec.url, resolved, creds, timeoutMs);
      return { revision, sha: resolved.sha, dir, fetched };
    } catch (err) {
      throw classifyGitError(err);
    }
  }

  /** The files of the repository's current artifact, fetching that exact commit if needed. */
  async artifactFiles(repo: GitRepository): Promise<{ revision: string; dir: string } | undefined> {
    const revision = repo.status?.artifact?.revision;
    const sha = shaOfRevision(revision);
    if (!revision || !sha) return undefined;
    if (this.cache.hasArtifact(sha)) return { revision, dir: this.cache.artifactPath(sha) };
    const creds = await this.credentials(repo);
    const timeoutMs = parseDuration(repo.spec.timeout ?? GIT_REPOSITORY_DEFAULTS.timeout);
    const refName = revisionRefName(repo, revision);
    try {
      const dir = await this.cache.fetchArtifact(
        repo.spec.url,
        { sha, ...(refName ? { refName } : {}) },
        creds,
        timeoutMs,
      );
      return { revision, dir };
    } catch (err) {
      throw classifyGitError(err);
    }
  }

  /**
   * The files a repository's revision `to` changed since `from` (revisions as in status,
   * `<ref>@sha1:<sha>`), computed once for every Application that asks; undefined when it
   * cannot be told (a commit not in the cache, a git failure): every path may have changed.
   */
  changedFiles(repo: GitRepository, from: string, to: string): Promise<readonly string[] | undefined> {
    const [a, b] = [shaOfRevision(from), shaOfRevision(to)];
    if (!a || !b) return Promise.resolve(undefined);
    const key = `${repo.spec.url}\0${a}\0${b}`;
    let found = this.changes.get(key);
    if (!found) {
      const timeoutMs = parseDuration(repo.spec.timeout ?? GIT_REPOSITORY_DEFAULTS.timeout);
      found = this.cache.changedFiles(repo.spec.url, a, b, timeoutMs).catch(() => undefined);
      this.changes.set(key, found);
      if (this.changes.size > CHANGED_FILES_KEPT)
        this.changes.delete(this.changes.keys().next().value as string);
    }
    return found;
  }

  private async credentials(repo: GitRepository): Promise<GitCredentials | undefined> {
    const name = repo.spec.secretRef?.name;
    if (!name) return undefined;
    return credentialsFromSecretData(await sourceSecretData(this.api, repo.metadata.namespace, name));
  }
}

function revisionRefName(repo: GitRepository, revision: string): string | undefined {
  const name = revision.split('@')[0];
  if (!name || name === revision) return undefined;
  if (repo.spec.ref?.tag || repo.spec.ref?.semver) return `refs/tags/${name}`;
  if (repo.spec.ref?.name) return repo.spec.ref.name;
  return `refs/heads/${name}`;
}

const AUTH_FAILURE =
  /Authentication failed|could not read Username|Permission denied \(publickey|Host key verification failed|HTTP 401|HTTP 403|returned error: 40[13]/i;

/** Auth and missing refs need a person; everything else (network, server down) is retried. */
export function classifyGitError(err: unknown): Error {
  if (err instanceof StallingError || err instanceof TransientError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof GitAuthError) {
    return new StallingError('AuthenticationFailed', message, { cause: err, retryAfterMs: 60_000 });
  }
  if (err instanceof ArtifactTooLargeError) {
    return new StallingError('ArtifactTooLarge', message, { cause: err, retryAfterMs: 60_000 });
  }
  if (err instanceof RefError) {
    return new StallingError('GitOperationFailed', message, { cause: err, retryAfterMs: 30_000 });
  }
  if (AUTH_FAILURE.test(message)) {
    return new StallingError('AuthenticationFailed', message, { cause: err, retryAfterMs: 60_000 });
  }
  return new TransientError('GitOperationFailed', message, { cause: err });
}
