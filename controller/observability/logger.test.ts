import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { redactCredentials } from './redact.ts';

function capture(): { lines: () => string; stream: Writable } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { lines: () => text, stream };
}

const REPO_URL = 'https://bot:hunter2-s3cret@git.example.com/org/repo.git';

describe('createLogger', () => {
  it('drops URL credentials from fields, nested fields, errors, bindings and the message', () => {
    const out = capture();
    const log = createLogger('debug', out.stream).child({ source: REPO_URL });
    log.debug({ url: REPO_URL, nested: { urls: [REPO_URL] } }, 'fetching');
    log.warn({ err: new Error(`fatal: unable to access '${REPO_URL}/': 403`) }, 'failed');
    log.info(`fetching ${REPO_URL}`);
    const text = out.lines();
    expect(text).not.toContain('hunter2-s3cret');
    expect(text).not.toContain('bot:');
    expect(text).toContain('https://***@git.example.com/org/repo.git');
    expect(text.trim().split('\n')).toHaveLength(3);
  });

  it('censors fields named like credentials, and Authorization header values anywhere', () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    log.info(
      { password: 'pw-1234', cfg: { token: 'tok-1234' }, note: 'Authorization: Bearer tok-5678' },
      'x',
    );
    const line = JSON.parse(out.lines()) as Record<string, unknown>;
    expect(line.password).toBe('[redacted]');
    expect(line.cfg).toEqual({ token: '[redacted]' });
    expect(line.note).toBe('Authorization: Bearer ***');
  });

  it('scrubs URL objects and keeps Dates as they are', () => {
    const out = capture();
    const at = new Date(Date.UTC(2026, 0, 1));
    createLogger('info', out.stream).info({ url: new URL(REPO_URL), at }, 'x');
    expect(JSON.parse(out.lines())).toMatchObject({
      url: 'https://***@git.example.com/org/repo.git',
      at: '2026-01-01T00:00:00.000Z',
    });
  });

  it('leaves ordinary text and numbers alone', () => {
    const out = capture();
    createLogger('info', out.stream).info({ revision: 'main@sha1:abc', n: 3, ok: true }, 'synced a@b');
    expect(JSON.parse(out.lines())).toMatchObject({
      revision: 'main@sha1:abc',
      n: 3,
      ok: true,
      msg: 'synced a@b',
    });
  });
});

describe('redactCredentials', () => {
  it.each([
    ['http://u:p@h/x', 'http://***@h/x'],
    ['ssh://git@host:22/r.git', 'ssh://***@host:22/r.git'],
    ["'HTTPS://User:Pa%40ss@host/'", "'HTTPS://***@host/'"],
    ['git@github.com:org/repo', 'git@github.com:org/repo'],
    ['mailto:a@b', 'mailto:a@b'],
  ])('%s → %s', (input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
  });
});
