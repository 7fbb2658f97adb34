import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { KubeApiError, KubeConnectionError } from './api-errors.ts';

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Impersonation {
  user: string;
  groups?: string[];
}

export interface RequestOptions {
  method?: HttpMethod;
  /** Absolute API path, e.g. /apis/apps/v1/namespaces/default/deployments. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  contentType?: string;
  /** The media type asked for: JSON unless told (metadata only, for example). */
  accept?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Per-request timeout; watches pass none. */
  timeoutMs?: number;
  impersonate?: Impersonation | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * How long the kubeconfig's TLS and auth options are reused. client-node re-reads
 * certificate and token files on every call, which at a few hundred requests a second is
 * real work; client-go likewise reloads a token file once a minute, not per request.
 */
const AUTH_OPTIONS_TTL_MS = 10_000;

interface Connection {
  options: https.RequestOptions;
  agent: https.Agent;
}

/** Told about every finished request (not watches), for request metrics. */
type RequestObserver = (method: HttpMethod, code: number, seconds: number) => void;

/**
 * A raw client for the Kubernetes API: JSON in, JSON out, any content type.
 * client-node's typed APIs serialise through models that drop unknown fields, which is
 * wrong for arbitrary manifests and custom resources, so we only borrow its kubeconfig
 * handling (TLS, tokens, exec plugins) and speak HTTP ourselves.
 */
export class KubeClient {
  readonly config: KubeConfig;
  readonly server: URL;

  /** Set once at start-up by whoever exports metrics. */
  observer: RequestObserver | undefined;
  /**
   * Called before every request that is not a GET, with its method and path; throwing
   * refuses it. Automatic sharding fences writes on the shard Lease this way.
   */
  writeGuard: ((what: string) => void) | undefined;
  private authOptions: { at: number; connection: Promise<Connection> } | undefined;

  constructor(config: KubeConfig) {
    this.config = config;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  async request<T = unknown>(opts: RequestOptions): Promise<T> {
    if (opts.method && opts.method !== 'GET') this.writeGuard?.(`${opts.method} ${opts.path}`);
    const started = performance.now();
    let res: http.IncomingMessage;
    try {
      res = await this.send(opts);
    } catch (err) {
      this.observer?.(opts.method ?? 'GET', 0, (performance.now() - started) / 1000);
      throw err;
    }
    const body = await readBody(res);
    const code = res.statusCode ?? 0;
    this.observer?.(opts.method ?? 'GET', code, (performance.now() - started) / 1000);
    if (code < 200 || code >= 300) {
      throw KubeApiError.fromResponse(code, body, `${opts.method ?? 'GET'} ${opts.path}`);
    }
    return (body.length > 0 ? JSON.parse(body) : undefined) as T;
  }

  /** Opens a streaming response (watch); the caller consumes and destroys it. */
  async stream(opts: RequestOptions): Promise<http.IncomingMessage> {
    const res = await this.send({ ...opts, timeoutMs: 0 });
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) {
      const body = await readBody(res);
      throw KubeApiError.fromResponse(code, body, `${opts.method ?? 'GET'} ${opts.path}`);
    }
    return res;
  }

  private agents = new Map<string, https.Agent>();

  private agentFor(o: https.RequestOptions): https.Agent {
    const key = [o.ca, o.cert, o.key, o.pfx, o.rejectUnauthorized, o.servername]
      .map((v) => (v === undefined ? '' : String(v)))
      .join('|');
    let agent = this.agents.get(key);
    if (!agent) {
      if (this.agents.size > 4) this.agents.clear();
      agent = new TlsAgent({
        keepAlive: true,
        maxSockets: 64,
        maxFreeSockets: 16,
        ...(o.ca !== undefined ? { ca: o.ca } : {}),
        ...(o.cert !== undefined ? { cert: o.cert } : {}),
        ...(o.key !== undefined ? { key: o.key } : {}),
        ...(o.pfx !== undefined ? { pfx: o.pfx } : {}),
        ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
        ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
        ...(o.servername !== undefined ? { servername: o.servername } : {}),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /**
   * The kubeconfig's TLS and auth options with the agent for them, re-read now and then
   * so rotated tokens, exec credentials and certificates are picked up.
   */
  private async connection(): Promise<Connection> {
    const now = Date.now();
    let cached = this.authOptions;
    if (!cached || now - cached.at > AUTH_OPTIONS_TTL_MS) {
      const options: https.RequestOptions = { headers: {} };
      const applied = this.config
        .applyToHTTPSOptions(options)
        .then(() => ({ options, agent: this.agentFor(options) }));
      cached = { at: now, connection: applied };
      this.authOptions = cached;
      // A failure (an exec plugin erroring) must not be cached.
      applied.catch(() => {
        if (this.authOptions?.connection === applied) this.authOptions = undefined;
      });
    }
    return cached.connection;
  }

  private async send(opts: RequestOptions): Promise<http.IncomingMessage> {
    // client-node's agent does not keep connections alive, so every request would pay a
    // TLS handshake; ours does, and is keyed by the TLS material so rotation still works.
    const { options, agent } = await this.connection();
    const url = new URL(opts.path, this.server);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: http.OutgoingHttpHeaders = {
      ...(options.headers as http.OutgoingHttpHeaders | undefined),
      Accept: opts.accept ?? 'application/json',
    };
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    if (opts.impersonate) {
      headers['Impersonate-User'] = opts.impersonate.user;
      if (opts.impersonate.groups?.length) headers['Impersonate-Group'] = opts.impersonate.groups;
    }
    const transport = url.protocol === 'http:' ? http : https;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        // Plain http (kubectl proxy, a loopback stand-in in tests) takes Node's own agent.
        {
          ...options,
          agent: url.protocol === 'http:' ? undefined : agent,
          method: opts.method ?? 'GET',
          headers,
        },
        resolve,
      );
      const fail = (err: Error) =>
        reject(
          new KubeConnectionError(`${opts.method ?? 'GET'} ${url.pathname}: ${err.message}`, { cause: err }),
        );
      req.on('error', fail);
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs}ms`)));
      }
      if (opts.signal) {
        if (opts.signal.aborted) req.destroy(new Error('aborted'));
        opts.signal.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      }
      req.end(payload);
    });
  }
}

/**
 * An agent for one set of TLS material (`agentFor` keys agents by it), so the names of its
 * connection pools leave the certificates out. Node's put the PEM text of ca, cert and key,
 * kilobytes, in the pool name it builds and looks up several times per request: at a
 * thousand status patches per push that was a good part of the controller's HTTP work.
 */
class TlsAgent extends https.Agent {
  override getName(options: https.RequestOptions = {}): string {
    // host:port:localAddress:family, as for plain http, and the two TLS options a request could vary.
    const base = http.Agent.prototype.getName.call(this, options);
    return `${base}:${options.servername ?? ''}:${options.rejectUnauthorized ?? ''}`;
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
