// HelmRepository: a chart repository Applications render charts from. Mirrors
// crds/helmrepositories.sluice.dev.yaml, which follows Flux source.toolkit.fluxcd.io/v1 HelmRepository.

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

export const helmRepositoryResource = {
  group: GROUP,
  version: VERSION,
  kind: 'HelmRepository',
  plural: 'helmrepositories',
  singular: 'helmrepository',
  namespaced: true,
  shortNames: ['helmrepo', 'helmrepos'],
} as const satisfies SluiceResourceType;

/** Values the controller assumes when a field is unset (Flux's). */
export const HELM_REPOSITORY_DEFAULTS = {
  timeout: '60s',
  type: 'default',
} as const;

export const HELM_REPOSITORY_TYPES = ['default', 'oci'] as const;
type HelmRepositoryType = (typeof HELM_REPOSITORY_TYPES)[number];

interface HelmRepositorySpec {
  /** http(s):// for an index.yaml repository, oci:// for a registry. */
  url: string;
  type?: HelmRepositoryType;
  interval: Duration;
  timeout?: Duration;
  /** Basic auth: keys `username` and `password`. */
  secretRef?: LocalObjectReference;
  /** oci: talk plain HTTP to the registry instead of HTTPS. */
  insecure?: boolean;
  suspend?: boolean;
}

interface HelmArtifact {
  /** `sha256:<hex>` of the index.yaml. */
  revision: string;
  digest?: string;
  lastUpdateTime: Time;
  url?: string;
  size?: number;
}

export interface HelmRepositoryStatus extends CommonStatus, ReconcileRequestStatus {
  /** The last fetched index (type default only: an OCI registry has no index). */
  artifact?: HelmArtifact;
  url?: string;
}

export type HelmRepository = SluiceObject<'HelmRepository', HelmRepositorySpec, HelmRepositoryStatus>;
