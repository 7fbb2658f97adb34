import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KubeClient } from '../../controller/kube/client.ts';
import { loadKubeConfig } from '../../controller/kube/config.ts';
import { InventoryWatch } from './inventory-watch.ts';

// A loopback stand-in for the API server's discovery, lists and watches, counting the watch
// connections open at each moment: what a page leaving must give back.
let server: Server;
let dir: string;
const open = new Map<string, number>();
const openWatches = () => [...open.values()].reduce((a, b) => a + b, 0);

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            { name: 'configmaps', namespaced: true, kind: 'ConfigMap' },
            { name: 'services', namespaced: true, kind: 'Service' },
          ],
        }),
      );
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      open.set(url.pathname, (open.get(url.pathname) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      req.on('close', () => open.set(url.pathname, (open.get(url.pathname) ?? 1) - 1));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  dir = mkdtempSync(join(tmpdir(), 'inventory-watch-'));
  writeFileSync(
    join(dir, 'kubeconfig'),
    `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: 'http://127.0.0.1:${(server.address() as AddressInfo).port}', insecure-skip-tls-verify: true }
users: [{ name: u, user: { token: t } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`,
  );
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = () => new KubeClient(loadKubeConfig({ kubeconfig: join(dir, 'kubeconfig') }));

const ref = (kind: string, namespace: string) => ({ apiVersion: 'v1', kind, namespace, name: 'x' });

describe('InventoryWatch', () => {
  it('watches what open pages look up, and stops each watch when the last page holding it leaves', async () => {
    const watch = new InventoryWatch(client(), () => undefined);
    const shop = watch.hold();
    const other = watch.hold();
    shop.lookup(ref('ConfigMap', 'shop'));
    shop.lookup(ref('Service', 'shop'));
    // Asked again on every rebuild of the page: still one watch.
    shop.lookup(ref('ConfigMap', 'shop'));
    other.lookup(ref('ConfigMap', 'shop'));
    expect(watch.size).toBe(2);
    await vi.waitFor(() => expect(openWatches()).toBe(2));
    await vi.waitFor(() => expect(shop.lookup(ref('ConfigMap', 'shop')).synced).toBe(true));

    shop.release();
    // The ConfigMaps are still on the other page; the Services were only on this one.
    expect(watch.size).toBe(1);
    await vi.waitFor(() => expect(open.get('/api/v1/namespaces/shop/services')).toBe(0));
    expect(open.get('/api/v1/namespaces/shop/configmaps')).toBe(1);
    // A rebuild after the page left opens nothing again.
    expect(shop.lookup(ref('Service', 'shop'))).toEqual({ synced: false });
    expect(watch.size).toBe(1);

    other.release();
    expect(watch.size).toBe(0);
    await vi.waitFor(() => expect(openWatches()).toBe(0));
  });

  it('does not start a watch whose pages all left while discovery was answering', async () => {
    const watch = new InventoryWatch(client(), () => undefined);
    const page = watch.hold();
    page.lookup(ref('ConfigMap', 'late'));
    page.release();
    expect(watch.size).toBe(0);
    // Long enough for discovery and a list to have answered, had the informer started.
    const probe = watch.hold();
    probe.lookup(ref('Service', 'probe'));
    await vi.waitFor(() => expect(probe.lookup(ref('Service', 'probe')).synced).toBe(true));
    expect(open.get('/api/v1/namespaces/late/configmaps') ?? 0).toBe(0);
    probe.release();
    await vi.waitFor(() => expect(openWatches()).toBe(0));
  });
});
