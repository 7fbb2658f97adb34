import { HELM_REPOSITORY_DEFAULTS, type HelmRepository } from '../../api/helm-repository.ts';
import { parseDuration } from '../../runtime/duration.ts';

/** What a HelmRepository's spec means when fields are unset. */
export const isOci = (repo: HelmRepository) => (repo.spec.type ?? HELM_REPOSITORY_DEFAULTS.type) === 'oci';
export const timeoutOf = (repo: HelmRepository) =>
  parseDuration(repo.spec.timeout ?? HELM_REPOSITORY_DEFAULTS.timeout);
export const repoKey = (repo: HelmRepository) => `${repo.metadata.namespace}/${repo.metadata.name}`;
