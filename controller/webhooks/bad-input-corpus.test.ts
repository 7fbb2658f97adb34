// The webhook cases of the bad-input corpus (test/bad-input/webhook) against the receiver on
// loopback: each gets its status and body, is logged, and triggers no fetch. The Secret and
// the GitRepository list come from memory here; bad-input-webhook.test.ts runs the same cases
// against the controller and a real API server.

import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCases } from '../../test/support/bad-input.ts';
import { genuinePush, sendWebhook, webhookRequest } from '../../test/support/bad-input-webhook.ts';
import type { GitRepository } from '../api/git-repository.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { createLogger } from '../observability/logger.ts';
import { startWebhookReceiver } from './receiver.ts';

const SECRET = 'corpus-webhook-secret';
const WATCHED = 'https://git.example.test/team/app.git';
const triggered: string[] = [];
const logs: Record<string, unknown>[] = [];
let receiver: { url: string; close(): Promise<void> };

beforeAll(async () => {
  const encoded = Buffer.from(SECRET).toString('base64');
  const api = {
    getOrUndefined: async () => ({
      metadata: { name: 'sluice-webhook' },
      data: { github: encoded, gitlab: encoded, generic: encoded },
    }),
  } as unknown as ObjectApi;
  const repo: GitRepository = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'GitRepository',
    metadata: { name: 'app', namespace: 'team' },
    spec: { url: WATCHED, interval: '1h', ref: { branch: 'main' } },
  };
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  receiver = await startWebhookReceiver({
    host: '127.0.0.1',
    port: 0,
    api,
    secret: { namespace: 'sluice-system', name: 'sluice-webhook' },
    repositories: { list: () => [repo] } as unknown as Informer<GitRepository>,
    trigger: (key) => triggered.push(key),
    log: createLogger('info', sink),
    registry: new Registry(),
  });
});

afterAll(async () => {
  await receiver?.close();
});

describe('webhook bad input', () => {
  it.each(loadCases('webhook').map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const request = webhookRequest(c, {
      secret: SECRET,
      watched: WATCHED,
      unwatched: 'https://other.test/x.git',
    });
    let answer = { status: 0, body: '' };
    for (let i = 0; i < (c.input.deliveries ?? 1); i++) {
      answer = await sendWebhook(receiver.url, request);
      if (i === 0 && c.expect.first !== undefined) expect(answer.status).toBe(c.expect.first);
    }
    expect(answer.status, answer.body).toBe(c.expect.http);
    expect(answer.body).toContain(c.expect.body);
    const log = c.expect.log;
    if (log) expect(logs.some((l) => Object.entries(log).every(([k, v]) => l[k] === v))).toBe(true);
    expect(triggered).toEqual([]);
  });

  it('a genuine push still triggers the fetch', async () => {
    const ok = genuinePush(SECRET, WATCHED);
    expect((await sendWebhook(receiver.url, ok)).status).toBe(202);
    expect(triggered).toEqual(['team/app']);
  });
});
