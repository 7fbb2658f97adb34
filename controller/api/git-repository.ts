// GitRepository: where to fetch manifests from. Mirrors crds/gitrepositories.sluice.dev.yaml, which
// follows Flux source.toolkit.fluxcd.io/v1 GitRepository.

import type {
  CommonStatus,
  Duration,
  LocalObjectReference,
  ReconcileRequestStatus,
  SluiceObject,
  SluiceResourceType,
  Time,
} from './meta.ts';
import { GROUP, VERSION } from './meta.ts';

export const gitRepositoryResource = {
  group: GROUP,
  version: VERSION,
  kind: 'GitRepository',
  plural: 'gitrepositories',
  singular: 'gitrepository',
  namespaced: true,
  shortNames: ['gitrepo', 'gitrepos'],
} as const satisfies SluiceResourceType;

/** Values the controller assumes when a field is unset. */
export const GIT_REPOSITORY_DEFAULTS = {
  timeout: '60s',
} as const;

/** At most one field is set (the API server enforces it). None set means the remote's HEAD branch. */
export interface GitRepositoryRef {
  branch?: string;
  tag?: string;
  /** A semver range; the highest matching tag wins. */
  semver?: string;
  /** A full ref name such as `refs/pull/42/head`. */
  name?: string;
  /** A 40 (SHA-1) or 64 (SHA-256) hex digit commit. */
  commit?: string;
}

interface GitRepositorySpec {
  /** http(s)://, ssh://, git:// or scp-like `user@host:path`. */
  url: string;
  ref?: GitRepositoryRef;
  interval: Duration;
  timeout?: Duration;
  /** HTTP(S): keys `username` and `password`. SSH: keys `identity` and `known_hosts`. */
  secretRef?: LocalObjectReference;
  /** .gitignore-format patterns, one a line. */
  ignore?: string;
  suspend?: boolean;
}

interface GitArtifact {
  /** `<branch>@sha1:<sha>`, `<tag>@sha1:<sha>`, or `sha1:<sha>` for a pinned commit. */
  revision: string;
  /** `<algorithm>:<hex>` of the fetched tree. */
  digest?: string;
  lastUpdateTime: Time;
  path?: string;
  url?: string;
  size?: number;
  metadata?: Record<string, string>;
}

export interface GitRepositoryStatus extends CommonStatus, ReconcileRequestStatus {
  artifact?: GitArtifact;
}

export type GitRepository = SluiceObject<'GitRepository', GitRepositorySpec, GitRepositoryStatus>;
