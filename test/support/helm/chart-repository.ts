// A chart repository on loopback as `helm repo index` makes one: a directory of .tgz packages
// and an index.yaml, served over HTTP behind basic auth.

import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helm, packageChart, type TestChart } from './charts.ts';

export interface ChartRepository {
  url: string;
  /** Packages `chart` into the repository and indexes it again. */
  publish(chart: TestChart): Promise<void>;
  /** Requests by path, with the status they got. */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

export async function startChartRepository(opts: {
  helm: string;
  username: string;
  password: string;
}): Promise<ChartRepository> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-chart-repo-'));
  const served = join(root, 'served');
  const expected = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
  const requests: ChartRepository['requests'] = [];
  const server = http.createServer(async (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const answer = (status: number, body = '') => {
      requests.push({ path, status });
      res.writeHead(status, status === 401 ? { 'www-authenticate': 'Basic realm="charts"' } : {}).end(body);
    };
    if (req.headers.authorization !== expected) return answer(401, 'unauthorized\n');
    const name = path.replace(/^\/+/, '');
    if (!/^[\w.-]+\.(yaml|tgz)$/.test(name)) return answer(404, 'not found\n');
    const file = join(served, name);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return answer(404, 'not found\n');
    requests.push({ path, status: 200 });
    res.writeHead(200, { 'content-length': info.size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    publish: async (chart) => {
      await packageChart(opts.helm, join(root, 'src'), chart, served);
      await helm(opts.helm, join(root, '.helm-home'), ['repo', 'index', served, '--url', url]);
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await rm(root, { recursive: true, force: true });
    },
  };
}
