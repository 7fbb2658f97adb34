import type { ChildProcessByStdio } from 'node:child_process';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { OutputTail } from './process.ts';

type CgiProcess = ChildProcessByStdio<Writable, Readable, Readable>;

const MAX_HEADER_BYTES = 64 * 1024;

interface CgiHead {
  status: number;
  statusMessage: string | undefined;
  headers: OutgoingHttpHeaders;
}

function findHeaderEnd(buf: Buffer): { index: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return undefined;
  if (lf < 0 || (crlf >= 0 && crlf < lf)) return { index: crlf, length: 4 };
  return { index: lf, length: 2 };
}

function parseHead(text: string): CgiHead {
  const head: CgiHead = { status: 200, statusMessage: undefined, headers: {} };
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      if (match) {
        head.status = Number(match[1]);
        head.statusMessage = match[2] || undefined;
      }
      continue;
    }
    const existing = head.headers[name];
    if (existing === undefined) head.headers[name] = value;
    else head.headers[name] = [...(Array.isArray(existing) ? existing : [String(existing)]), value];
  }
  return head;
}

/**
 * Wires one CGI process to one HTTP exchange: the request body streams to its stdin, the
 * CGI headers on its stdout (including `Status:`) become the response head, and the rest of
 * stdout streams out as the body.
 */
export function runCgi(child: CgiProcess, req: IncomingMessage, res: ServerResponse, log: OutputTail): void {
  const stderr = new OutputTail();
  let pending: Buffer = Buffer.alloc(0);
  let headDone = false;

  const fail = (why: string): void => {
    child.kill('SIGKILL');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`${why}\n${stderr.toString()}`);
  };

  const writeBody = (chunk: Buffer): void => {
    if (!res.write(chunk)) {
      child.stdout.pause();
      res.once('drain', () => child.stdout.resume());
    }
  };

  child.stderr.on('data', (chunk: Buffer) => {
    stderr.append(chunk);
    log.append(chunk);
  });
  // The backend may exit (for example on a bad request) before reading the whole body.
  child.stdin.on('error', () => {});
  req.pipe(child.stdin);

  child.stdout.on('data', (chunk: Buffer) => {
    if (headDone) {
      writeBody(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const end = findHeaderEnd(pending);
    if (!end) {
      if (pending.length > MAX_HEADER_BYTES) fail('git-http-backend sent oversized CGI headers');
      return;
    }
    const head = parseHead(pending.subarray(0, end.index).toString('latin1'));
    headDone = true;
    if (head.statusMessage) res.writeHead(head.status, head.statusMessage, head.headers);
    else res.writeHead(head.status, head.headers);
    const rest = pending.subarray(end.index + end.length);
    pending = Buffer.alloc(0);
    if (rest.length > 0) writeBody(rest);
  });

  child.once('error', (err) => fail(`cannot run git-http-backend: ${err.message}`));
  child.once('close', (code, signal) => {
    if (!headDone) {
      if (!res.writableEnded)
        fail(`git-http-backend ended (code ${code}, signal ${signal}) without a response`);
      return;
    }
    res.end();
  });
  // Client went away mid-response: don't leave the backend running.
  res.once('close', () => {
    if (!res.writableFinished) child.kill('SIGKILL');
  });
}
