// Where the page is: the URL's hash, so a reload or a shared link opens the same view and the
// server serves one file.

export type Route =
  | { page: 'overview' }
  | { page: 'rollout' | 'application'; namespace: string; name: string };

export function parseRoute(hash: string): Route {
  const [kind, ns, name] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (ns && name && (kind === 'rollouts' || kind === 'applications')) {
    return { page: kind === 'rollouts' ? 'rollout' : 'application', namespace: ns, name };
  }
  return { page: 'overview' };
}

export function routeHref(page: 'rollout' | 'application', namespace: string, name: string): string {
  const kind = page === 'rollout' ? 'rollouts' : 'applications';
  return `#/${kind}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/** The query of the page's event stream. */
export function streamQuery(route: Route): string {
  if (route.page === 'overview') return 'page=overview';
  return `page=${route.page}&ns=${encodeURIComponent(route.namespace)}&name=${encodeURIComponent(route.name)}`;
}
