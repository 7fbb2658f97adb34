import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import type { GitRepository } from '../api/git-repository.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject, objectKey } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import { normaliseRepoUrl } from '../sources/git/ref.ts';
import { PayloadError, type PushEvent, parsePush } from './payload.ts';
import { deliveryId, verifySignature, type WebhookProvider } from './verify.ts';

const MAX_PAYLOAD_BYTES = 1 << 20;
const SECRET_TTL_MS = 5_000;
const SEEN_DELIVERIES = 10_000;

interface ReceiverOptions {
  host: string;
  port: number;
  api: ObjectApi;
  /** The Secret with keys github, gitlab and generic. */
  secret: { namespace: string; name: string };
  repositories: Informer<GitRepository>;
  /** Fetch this GitRepository now. */
  trigger: (key: string) => void;
  log: Logger;
  registry: Registry;
}

/**
 * Push webhooks: verify, then fetch every GitRepository watching the pushed URL and ref
 * at once. Anything unverified gets 401 and changes nothing.
 */
export async function startWebhookReceiver(
  opts: ReceiverOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const requests = new Counter({
    name: 'sluice_webhook_requests_total',
    help: 'Push webhook requests, by provider and result.',
    labelNames: ['provider', 'result'] as const,
    registers: [opts.registry],
  });
  let secrets: { at: number; data: Record<string, string> } | undefined;
  const seen = new Set<string>();

  const loadSecrets = async (): Promise<Record<string, string>> => {
    if (secrets && Date.now() - secrets.at < SECRET_TTL_MS) return secrets.data;
    const s = await opts.api.getOrUndefined<KubeObject & { data?: Record<string, string> }>(
      core.secrets,
      opts.secret.namespace,
      opts.secret.name,
    );
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(s?.data ?? {}))
      data[k] = Buffer.from(v, 'base64').toString('utf8').trim();
    secrets = { at: Date.now(), data };
    return data;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const provider = /^\/hook\/(github|gitlab|generic)\/?$/.exec((req.url ?? '').split('?')[0] ?? '')?.[1] as
      | WebhookProvider
      | undefined;
    const reply = (code: number, body: Record<string, unknown>, result: string) => {
      requests.inc({ provider: provider ?? 'unknown', result });
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
    };
    if (!provider)
      return reply(404, { error: 'use /hook/github, /hook/gitlab or /hook/generic' }, 'not_found');
    if (req.method !== 'POST') return reply(405, { error: 'POST only' }, 'bad_method');
    const declared = Number(req.headers['content-length'] ?? 0);
    const body = declared > MAX_PAYLOAD_BYTES ? undefined : await readLimited(req, MAX_PAYLOAD_BYTES);
    if (!body) {
      res.setHeader('Connection', 'close');
      return reply(413, { error: `payload too large: the limit is ${MAX_PAYLOAD_BYTES} bytes` }, 'too_large');
    }

    const secret = (await loadSecrets())[provider] ?? '';
    const verdict = verifySignature({ provider, headers: req.headers, body, secret, nowMs: Date.now() });
    if (!verdict.ok) {
      opts.log.warn(
        { provider, reason: verdict.reason, remote: req.socket.remoteAddress },
        'webhook rejected',
      );
      return reply(401, { error: 'unauthorized' }, 'unauthorized');
    }
    const id = deliveryId(provider, req.headers);
    if (id && seen.has(`${provider}:${id}`))
      return reply(200, { status: 'duplicate delivery ignored' }, 'duplicate');

    const event = eventType(provider, req.headers);
    if (event === 'ping') return reply(200, { status: 'pong' }, 'ping');
    // A signed issue or release event names the repository too: only pushes may fetch.
    if (event !== undefined && !PUSH_EVENTS.has(event)) {
      opts.log.info({ provider, event }, 'webhook event ignored');
      return reply(
        200,
        { status: `event ${JSON.stringify(event)} ignored: only pushes trigger a fetch` },
        'ignored',
      );
    }
    const type = req.headers['content-type'];
    if (type !== undefined && !JSON_TYPE.test(type)) {
      return reply(
        415,
        { error: `content type ${JSON.stringify(type)} is not supported: send application/json` },
        'bad_content_type',
      );
    }
    let push: PushEvent;
    try {
      push = parsePush(provider, JSON.parse(body.toString('utf8')));
    } catch (err) {
      const message = err instanceof PayloadError ? err.message : 'malformed JSON';
      return reply(400, { error: message }, 'bad_payload');
    }
    // Remembered once accepted, so a delivery refused for its content can be sent again fixed.
    if (id) remember(seen, `${provider}:${id}`);
    const matched = matchRepositories(opts.repositories.list(), push);
    for (const key of matched) opts.trigger(key);
    opts.log.info({ provider, ref: push.ref, matched }, 'push received');
    return reply(202, { matched }, matched.length > 0 ? 'accepted' : 'no_match');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.log.error({ err: (err as Error).message }, 'webhook handling failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** GitRepositories watching the pushed repository and, where they pin one, the pushed ref. */
export function matchRepositories(repos: GitRepository[], push: PushEvent): string[] {
  const urls = new Set(push.urls.map(normaliseRepoUrl));
  return repos
    .filter((r) => !r.spec.suspend && urls.has(normaliseRepoUrl(r.spec.url)))
    .filter((r) => {
      const ref = r.spec.ref;
      if (!push.ref) return true;
      if (ref?.branch) return push.ref === `refs/heads/${ref.branch}`;
      if (ref?.tag || ref?.semver) return push.ref.startsWith('refs/tags/');
      if (ref?.name) return push.ref === ref.name;
      return true;
    })
    .map(objectKey);
}

/** GitHub's push, GitLab's push and tag push hooks; generic senders name no event. */
const PUSH_EVENTS = new Set(['push', 'Push Hook', 'Tag Push Hook', 'System Hook']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function eventType(provider: WebhookProvider, headers: http.IncomingHttpHeaders): string | undefined {
  const name =
    provider === 'github' ? 'x-github-event' : provider === 'gitlab' ? 'x-gitlab-event' : undefined;
  const value = name ? headers[name] : undefined;
  return Array.isArray(value) ? value[0] : value;
}

function remember(seen: Set<string>, id: string): void {
  if (seen.size >= SEEN_DELIVERIES) seen.delete(seen.values().next().value as string);
  seen.add(id);
}

function readLimited(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Stop collecting, but leave the socket up so the sender gets its 413; the reply
        // closes the connection, and requestTimeout bounds what is still read and dropped.
        req.removeAllListeners('data');
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
