// What a benchmark phase asked of the API server, from its own `apiserver_request_total`:
// the controller's requests against kubectl's tell where an Application's cost goes.

type Kubectl = (args: string[]) => Promise<string>;

/** Requests so far by "VERB resource[/subresource][ dry-run]" (watches and the bench's own reads included). */
export async function apiRequests(kubectl: Kubectl): Promise<Map<string, number>> {
  const text = await kubectl(['get', '--raw', '/metrics']);
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const sub = labels.subresource ? `/${labels.subresource}` : '';
    const dry = labels.dry_run ? ' dry-run' : '';
    const key = `${labels.verb} ${labels.resource}${sub}${dry}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

/** The requests made between two readings, most first, per `unit` (e.g. per Application). */
export function requestsBetween(
  before: Map<string, number>,
  after: Map<string, number>,
  unit: number,
  top = 12,
): { total: number; summary: string } {
  const delta = [...after.entries()]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([k, v]) => v > 0 && !k.startsWith('WATCH'));
  const total = delta.reduce((sum, [, v]) => sum + v, 0) / unit;
  const summary = delta
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${k} ${(v / unit).toFixed(2)}`)
    .join(', ');
  return { total, summary };
}
