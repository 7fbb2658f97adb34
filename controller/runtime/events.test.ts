import { describe, expect, it } from 'vitest';
import type { KubeClient, RequestOptions } from '../kube/client.ts';
import { createLogger } from '../observability/logger.ts';
import { EventRecorder } from './events.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
};

/** A client whose requests finish only when the test says so. */
function slowClient() {
  const calls: { method: string; path: string; done: () => void }[] = [];
  const client = {
    request: (opts: RequestOptions) =>
      new Promise((resolve) => {
        calls.push({
          method: opts.method ?? 'GET',
          path: opts.path,
          done: () => resolve(opts.body ?? {}),
        });
      }),
  } as unknown as KubeClient;
  return { client, calls };
}

describe('EventRecorder', () => {
  it('returns at once and writes in the background', async () => {
    const { client, calls } = slowClient();
    const rec = new EventRecorder(client, createLogger('silent'), 'test');
    rec.record(pod, 'Normal', 'Synced', 'ok');
    await Promise.resolve();
    expect(calls.map((c) => c.method)).toEqual(['POST']);
    calls[0]?.done();
    await rec.flush();
  });

  it('writes a repeat of the same event as a series update, after the Event exists', async () => {
    const { client, calls } = slowClient();
    const rec = new EventRecorder(client, createLogger('silent'), 'test');
    rec.record(pod, 'Warning', 'Failed', 'boom');
    rec.record(pod, 'Warning', 'Failed', 'boom');
    await new Promise((r) => setTimeout(r, 10));
    // The repeat waits for the create, so it can patch the Event it made.
    expect(calls.map((c) => c.method)).toEqual(['POST']);
    calls[0]?.done();
    await new Promise((r) => setTimeout(r, 10));
    expect(calls.map((c) => c.method)).toEqual(['POST', 'PATCH']);
    expect(calls[1]?.path.startsWith(`${calls[0]?.path}/p.`)).toBe(true);
    calls[1]?.done();
    await rec.flush();
  });
});
