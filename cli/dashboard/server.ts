// The dashboard's HTTP server: the built page (dashboard/dist), one server-sent event stream
// per open page, and the actions. `kubectl sluice dashboard` hands it the actions (each the
// same patch the commands send, made with the user's own credentials, so RBAC answers for the
// dashboard as it does for kubectl); the controller serves it without any (read-only), since
// its own service account must not act for whoever reaches the port.

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeApiError, KubeConnectionError } from '../../controller/kube/api-errors.ts';
import { ObjectApi } from '../../controller/kube/objects.ts';
import { CliError } from '../cli-errors.ts';
import { collectTrail } from '../trail/trail-command.ts';
import type { LiveState } from './live-state.ts';
import type { DashboardConfig, TrailView } from './model.ts';

const ASSETS_DIR = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));
const HEARTBEAT_MS = 15_000;
/** Sent by the page with every action: a form or a script on another site cannot set it without CORS. */
const ACTION_HEADER = 'x-sluice-dashboard';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Takes `action` on `what` (rollouts, applications, sources) ns/name; undefined when there is no such action. */
export type ActionHandler = (
  what: string,
  namespace: string,
  name: string,
  action: string,
) => Promise<{ message: string } | undefined>;

export interface DashboardOptions {
  state: LiveState;
  /** Absent: a read-only dashboard, every action refused. */
  actions?: ActionHandler | undefined;
  assetsDir?: string | undefined;
}

interface Context {
  state: LiveState;
  api: ObjectApi;
  actions: ActionHandler | undefined;
  assetsDir: string;
  config: DashboardConfig;
}

const READ_ONLY_REASON =
  'read-only dashboard: the controller serves it with its own service account, so it takes no actions; use kubectl sluice (or kubectl sluice dashboard) with your own credentials';

export function dashboardServer(opts: DashboardOptions): Server {
  const ctx: Context = {
    state: opts.state,
    // What the live state does not hold (a trail's Events) is read with the same credentials.
    api: new ObjectApi(opts.state.client),
    actions: opts.actions,
    assetsDir: opts.assetsDir ?? ASSETS_DIR,
    config: opts.actions ? {} : { readOnly: READ_ONLY_REASON },
  };
  return createServer((req, res) => {
    handle(ctx, req, res).catch((err: unknown) => send(res, 500, { error: (err as Error).message }));
  });
}

/** Only the loopback names: another site's page resolving its own name to 127.0.0.1 is refused. */
function trustedHost(req: IncomingMessage): boolean {
  const host = req.headers.host ?? '';
  return /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host);
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!trustedHost(req)) return send(res, 403, { error: 'the dashboard answers only on localhost' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname
    .split('/')
    .filter((p) => p)
    .map(decodeURIComponent);
  if (parts[0] !== 'api') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
    return serveAsset(ctx.assetsDir, url.pathname, res);
  }
  const [, what, ns, name, action] = parts;
  if (req.method === 'GET' && what === 'events') return stream(ctx, url, req, res);
  if (req.method === 'GET' && what === 'trail' && ns && name && !action) {
    return answer(res, () => trail(ctx, ns, name, url.searchParams.get('revision') || undefined));
  }
  if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' });
  if (!ctx.actions) return send(res, 403, { error: READ_ONLY_REASON });
  if (req.headers[ACTION_HEADER] !== '1' || (req.headers.origin && !sameOrigin(req))) {
    return send(res, 403, { error: 'actions are taken from the dashboard page only' });
  }
  if (!ns || !name || !action) return send(res, 404, { error: 'not found' });
  const act = ctx.actions;
  return answer(res, () => act(what ?? '', ns, name, action));
}

/** `GET /api/trail/NS/NAME[?revision=]`: what `kubectl sluice trail` prints, as data. */
async function trail(ctx: Context, ns: string, name: string, revision: string | undefined) {
  const view: TrailView = await collectTrail(
    { client: ctx.state.client, api: ctx.api, namespace: ns },
    name,
    revision,
  );
  return view;
}

/** Sends what `run` returns (404 when nothing), or the API server's refusal as its own status. */
async function answer(res: ServerResponse, run: () => Promise<object | undefined>): Promise<void> {
  try {
    const done = await run();
    if (done) return send(res, 200, done);
  } catch (err) {
    if (err instanceof KubeApiError) {
      return send(res, err.code >= 400 && err.code < 600 ? err.code : 502, {
        error: `Error from server (${err.reason}): ${err.message}`,
      });
    }
    // The API server did not answer: the dashboard is a gateway to it.
    if (err instanceof KubeConnectionError) return send(res, 502, { error: err.message });
    if (err instanceof CliError) return send(res, 409, { error: err.message });
    throw err;
  }
  return send(res, 404, { error: 'not found' });
}

function sameOrigin(req: IncomingMessage): boolean {
  return req.headers.origin === `http://${req.headers.host}`;
}

/** `/api/events?page=overview|rollout|application&ns=&name=`: the page's state, again on every change. */
function stream(ctx: Context, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const page = url.searchParams.get('page');
  const ns = url.searchParams.get('ns') ?? '';
  const name = url.searchParams.get('name') ?? '';
  // An Application page holds the watches of what it applied until it closes.
  const app = page === 'application' ? ctx.state.applicationPage(ns, name) : undefined;
  const build =
    page === 'rollout'
      ? () => ctx.state.rollout(ns, name)
      : app
        ? app.build
        : page === 'overview'
          ? () => ctx.state.overview()
          : undefined;
  if (!build) {
    send(res, 400, { error: 'page must be overview, rollout or application' });
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  // The browser reconnects by itself after this long when the stream breaks.
  res.write('retry: 2000\n\n');
  res.write(`event: config\ndata: ${JSON.stringify(ctx.config)}\n\n`);
  let last = '';
  const push = () => {
    const data = JSON.stringify(build());
    if (data === last) return;
    last = data;
    res.write(`event: state\ndata: ${data}\n\n`);
  };
  push();
  const unsubscribe = ctx.state.subscribe(push);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  req.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    app?.release();
  });
}

async function serveAsset(dir: string, pathname: string, res: ServerResponse): Promise<void> {
  const rel = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname)).replace(
    /^[/\\]+/,
    '',
  );
  const file = `${dir}${rel}`;
  if (rel.startsWith('..') || !file.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`)) {
    return send(res, 404, { error: 'not found' });
  }
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    if (pathname === '/') {
      return send(res, 500, {
        error: `the dashboard's page is not built (no ${file}): run npm install (or npm run build:dashboard) in the checkout`,
      });
    }
    return send(res, 404, { error: 'not found' });
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    // Built file names carry a content hash; index.html does not and must be fetched anew.
    'cache-control': rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function send(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' });
  res.end(`${JSON.stringify(body)}\n`);
}
