import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { runCgi } from './cgi.ts';
import { gitEnv } from './git-command.ts';
import { GitServerStartError, OutputTail } from './process.ts';

const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

interface GitHttpServerOptions {
  /** Directory of bare repositories; http://host:port/<name> maps to <baseDir>/<name>. */
  baseDir: string;
  username: string;
  password: string;
  /** Also accept `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Listen on this port instead of a free one. */
  port?: number;
}

interface HttpRequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
  /** Authenticated user: the basic-auth username, `bearer` for a token, undefined if rejected. */
  user: string | undefined;
}

export interface GitHttpServer {
  readonly host: string;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly bearerToken: string | undefined;
  /** URL of a repository given by its path relative to baseDir, without credentials. */
  url(repo: string): string;
  /** Same URL with credentials embedded (defaults to the server's own username and password). */
  urlWithCredentials(repo: string, credentials?: { username: string; password: string }): string;
  /** Every request answered so far, oldest first. */
  readonly requests: readonly HttpRequestRecord[];
  /** git-http-backend's stderr, last few kilobytes. */
  logs(): string;
  isUp(): boolean;
  /** Simulates an outage: closes the listener and open connections, so clients get ECONNREFUSED. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Equal-time comparison: hashing first makes inputs the same length, as timingSafeEqual needs. */
function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function authenticate(header: string | undefined, opts: GitHttpServerOptions): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const user = decoded.slice(0, colon);
    // Both comparisons always run so that timing does not reveal which part was wrong.
    const userOk = safeEqual(user, opts.username);
    const passwordOk = safeEqual(decoded.slice(colon + 1), opts.password);
    return userOk && passwordOk ? user : undefined;
  }
  if (scheme === 'bearer' && opts.bearerToken !== undefined) {
    return safeEqual(value, opts.bearerToken) ? 'bearer' : undefined;
  }
  return undefined;
}

/**
 * Starts a Node HTTP server that runs the real git-http-backend as a CGI per request,
 * behind basic (and optionally bearer) auth. Fetch and push both work.
 */
export async function startGitHttpServer(opts: GitHttpServerOptions): Promise<GitHttpServer> {
  const host = '127.0.0.1';
  const requests: HttpRequestRecord[] = [];
  const stderr = new OutputTail();
  const children = new Set<ChildProcess>();
  const baseEnv = gitEnv({
    GIT_PROJECT_ROOT: opts.baseDir,
    GIT_HTTP_EXPORT_ALL: '1',
    // receive-pack over HTTP is off unless enabled; REMOTE_USER alone would do, this makes it explicit.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: host,
  });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = authenticate(req.headers.authorization, opts);
    res.on('finish', () => {
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.search.slice(1),
        status: res.statusCode,
        user,
      });
    });
    if (user === undefined) {
      req.resume();
      res.writeHead(401, {
        'WWW-Authenticate': 'Basic realm="sluice-test-git", charset="UTF-8"',
        'Content-Type': 'text/plain',
      });
      res.end('authentication required\n');
      return;
    }
    let pathInfo: string;
    try {
      pathInfo = decodeURIComponent(url.pathname);
    } catch {
      req.resume();
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad path\n');
      return;
    }
    const env: Record<string, string> = {
      ...baseEnv,
      PATH_INFO: pathInfo,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: user,
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
    };
    // Absent for chunked bodies: git-http-backend then reads stdin to EOF.
    if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = req.headers['content-length'];
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined) env.HTTP_CONTENT_ENCODING = encoding;
    const protocol = req.headers['git-protocol'];
    if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;

    const child = spawn(GIT_HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.once('close', () => children.delete(child));
    runCgi(child, req, res, stderr);
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 5_000;
  let port = opts.port ?? 0;
  let up = false;

  const listen = async (): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    }).catch((err: unknown) => {
      throw new GitServerStartError('git http server', `cannot listen on ${host}:${port}`, {
        cause: err,
        stderrTail: stderr.toString(),
      });
    });
    const address = server.address();
    if (address !== null && typeof address !== 'string') port = address.port;
    up = true;
  };

  const close = async (): Promise<void> => {
    if (!up) return;
    up = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const child of children) child.kill('SIGKILL');
    await closed;
  };

  // Port 0 lets the kernel pick; listen() records the choice so resume() reuses it.
  await listen();
  const baseUrl = `http://${host}:${port}`;
  const repoPath = (repo: string): string => repo.replace(/^\/+/, '');
  let stopped = false;

  return {
    host,
    port,
    baseUrl,
    username: opts.username,
    password: opts.password,
    bearerToken: opts.bearerToken,
    url: (repo) => `${baseUrl}/${repoPath(repo)}`,
    urlWithCredentials: (repo, credentials = opts) => {
      const u = new URL(`${baseUrl}/${repoPath(repo)}`);
      u.username = encodeURIComponent(credentials.username);
      u.password = encodeURIComponent(credentials.password);
      return u.toString();
    },
    requests,
    logs: () => stderr.toString(),
    isUp: () => up,
    pause: close,
    resume: async () => {
      if (stopped) throw new Error('git http server was stopped; start a new one');
      if (!up) await listen();
    },
    stop: async () => {
      stopped = true;
      await close();
    },
  };
}
