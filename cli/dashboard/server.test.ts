import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../controller/kube/client.ts';
import { loadKubeConfig } from '../../controller/kube/config.ts';
import { ObjectApi } from '../../controller/kube/objects.ts';
import { sessionActions } from './actions.ts';
import { LiveState } from './live-state.ts';
import { dashboardServer } from './server.ts';

// A cluster nobody answers at: the informers are not started, so every list is still pending.
let dir: string;
let server: Server;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dashboard-server-'));
  writeFileSync(
    join(dir, 'kubeconfig'),
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'http://127.0.0.1:9', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`,
  );
  const assets = join(dir, 'dist');
  mkdirSync(join(assets, 'assets'), { recursive: true });
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>Sluice</title>');
  writeFileSync(join(assets, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not for the page');
  const client = new KubeClient(loadKubeConfig({ kubeconfig: join(dir, 'kubeconfig') }));
  const state = new LiveState(client, 'shop');
  server = dashboardServer({
    state,
    actions: sessionActions({ client, api: new ObjectApi(client), namespace: 'shop' }),
    assetsDir: `${assets}/`,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  type: string | undefined;
  body: string;
}

/** One request with raw headers and path (no URL normalisation on the way). */
function send(
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
          // An event stream stays open: the first event is enough.
          if (/event: state\ndata: .*\n\n/.test(body)) req.destroy();
        });
        const done = () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body });
        res.on('end', done);
        res.on('close', done);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard server', () => {
  it('serves the built page and its assets, and nothing outside them', async () => {
    const page = await send('/');
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(page.body).toContain('<title>Sluice</title>');
    expect(await send('/assets/index-abc.js')).toMatchObject({
      status: 200,
      type: 'text/javascript; charset=utf-8',
    });
    expect((await send('/../secret.txt')).status).toBe(404);
    expect((await send('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await send('/..%2fsecret.txt')).status).toBe(404);
    expect((await send('/assets/..%2f..%2fsecret.txt')).status).toBe(404);
    expect((await send('/assets/nothing.js')).status).toBe(404);
  });

  it('answers only to loopback names, so another site cannot rebind its name to it', async () => {
    expect((await send('/', { headers: { host: 'evil.example:80' } })).status).toBe(403);
    expect((await send('/', { headers: { host: `localhost:${port}` } })).status).toBe(200);
  });

  it('takes actions only from its own page: the header, and no foreign Origin', async () => {
    const path = '/api/rollouts/shop/web/promote';
    const bare = await send(path, { method: 'POST' });
    expect(bare.status).toBe(403);
    expect(JSON.parse(bare.body)).toEqual({ error: 'actions are taken from the dashboard page only' });
    const foreign = await send(path, {
      method: 'POST',
      headers: { 'x-sluice-dashboard': '1', origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(
      (
        await send('/api/rollouts/shop/web/launch', {
          method: 'POST',
          headers: { 'x-sluice-dashboard': '1' },
        })
      ).status,
    ).toBe(404);
    expect((await send('/api/rollouts/shop/web/promote')).status).toBe(405);
  });

  it("streams a page's state as server-sent events, saying what is still loading", async () => {
    const stream = await send('/api/events?page=overview');
    expect(stream).toMatchObject({ status: 200, type: 'text/event-stream' });
    expect(stream.body.startsWith('retry: 2000\n\n')).toBe(true);
    const data = /event: state\ndata: (.*)\n\n/.exec(stream.body)?.[1] ?? '';
    expect(JSON.parse(data)).toMatchObject({
      pending: [{ resource: 'gitrepositories' }, { resource: 'applications' }, { resource: 'rollouts' }],
      found: true,
      view: { scope: 'namespace shop', sources: [], applications: [], rollouts: [] },
    });
    expect((await send('/api/events?page=nothing')).status).toBe(400);
    expect(/event: config\ndata: (.*)\n\n/.exec(stream.body)?.[1]).toBe('{}');
  });

  it("answers a trail with the API server's answer, here that it cannot be reached", async () => {
    const trail = await send('/api/trail/shop/app');
    expect(trail.status).toBe(502);
    expect(JSON.parse(trail.body).error).toMatch(/applications\/app: connect ECONNREFUSED/);
  });

  it('read-only, as the controller serves it: refuses every action and tells the page why', async () => {
    const client = new KubeClient(loadKubeConfig({ kubeconfig: join(dir, 'kubeconfig') }));
    const readOnly = dashboardServer({ state: new LiveState(client, 'shop'), assetsDir: `${dir}/dist/` });
    await new Promise<void>((resolve) => readOnly.listen(0, '127.0.0.1', resolve));
    const saved = port;
    port = (readOnly.address() as AddressInfo).port;
    try {
      for (const path of ['/api/rollouts/shop/web/promote', '/api/applications/shop/app/reconcile']) {
        const refused = await send(path, { method: 'POST', headers: { 'x-sluice-dashboard': '1' } });
        expect(refused.status).toBe(403);
        expect(JSON.parse(refused.body).error).toMatch(/^read-only dashboard: /);
      }
      const stream = await send('/api/events?page=overview');
      const config = JSON.parse(/event: config\ndata: (.*)\n\n/.exec(stream.body)?.[1] ?? '{}');
      expect(config.readOnly).toMatch(/^read-only dashboard: /);
      expect((await send('/')).status).toBe(200);
    } finally {
      port = saved;
      readOnly.closeAllConnections();
      readOnly.close();
    }
  });
});
