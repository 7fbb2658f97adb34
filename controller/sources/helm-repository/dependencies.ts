// Chart dependencies that are not vendored come from HelmRepositories, as in Flux: a
// dependency's `repository:` URL names the HelmRepository (in the Application's namespace)
// whose URL it is, and that object's credentials are used. Pure.

export class DependencyError extends Error {
  override readonly name = 'DependencyError';
}

/** A Chart.yaml dependency; `repository` is a URL, `file://…`, or unset for a local one. */
interface ChartDependency {
  name: string;
  repository?: string;
}

/** What a dependency needs from a HelmRepository: its URL and type. */
export interface RepositoryUrl {
  key: string;
  url: string;
  oci: boolean;
}

function normalise(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A dependency inside the chart (`file://`, or no repository): nothing to fetch. */
export function isLocal(dep: ChartDependency): boolean {
  return !dep.repository?.trim() || dep.repository.startsWith('file://');
}

/**
 * The repository each remote dependency comes from, by key. A dependency no HelmRepository
 * serves, or one named by a Helm CLI alias (`@name`, which means nothing in a cluster), is
 * refused naming it and its URL.
 */
export function matchDependencies(
  deps: readonly ChartDependency[],
  repositories: readonly RepositoryUrl[],
  namespace: string,
): Map<string, RepositoryUrl> {
  const used = new Map<string, RepositoryUrl>();
  for (const dep of deps) {
    if (isLocal(dep) || dep.repository === undefined) continue;
    const where = `dependency ${JSON.stringify(dep.name)} (repository ${JSON.stringify(dep.repository)})`;
    if (dep.repository.startsWith('@') || dep.repository.startsWith('alias:')) {
      throw new DependencyError(
        `${where}: a repository alias names nothing in the cluster; use the URL of a HelmRepository`,
      );
    }
    const url = normalise(dep.repository);
    const oci = url.startsWith('oci://');
    const match = repositories.find((r) =>
      oci
        ? r.oci && (url === normalise(r.url) || url.startsWith(`${normalise(r.url)}/`))
        : !r.oci && url === normalise(r.url),
    );
    if (!match) {
      throw new DependencyError(`${where}: no HelmRepository in namespace ${namespace} has this URL`);
    }
    used.set(match.key, match);
  }
  return used;
}
