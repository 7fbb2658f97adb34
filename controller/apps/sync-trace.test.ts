import { describe, expect, it } from 'vitest';
import type { ApplicationStatus } from '../api/application.ts';
import type { GitRepository } from '../api/git-repository.ts';
import { commitTraceId, type SpanRecord } from '../observability/tracing/commit-trace.ts';
import { NO_TRACER } from '../observability/tracing/commit-tracer.ts';
import { SyncTrace } from './sync-trace.ts';

const V2 = 'main@sha1:2222222222222222222222222222222222222222';
const app = { namespace: 'team', name: 'web' };
const repo = {
  metadata: { name: 'repo', namespace: 'team' },
  spec: { url: 'http://git/web.git', interval: '1m' },
  status: { artifact: { revision: V2, digest: 'sha256:x', lastUpdateTime: '2026-01-01T10:00:00Z' } },
} as unknown as GitRepository;

function recording() {
  const sent: SpanRecord[] = [];
  return {
    sent,
    tracer: { emit: (s: readonly SpanRecord[]) => void sent.push(...s), shutdown: async () => {} },
  };
}

describe('SyncTrace', () => {
  it('names the trace in status; the revision opens it once, and each sync adds its render and apply', () => {
    let t = Date.parse('2026-01-01T10:00:01Z');
    const clock = () => {
      t += 1000;
      return new Date(t);
    };
    const { sent, tracer } = recording();
    const status: ApplicationStatus = {};
    const outcome = { changed: 1, pruned: 0, changedIds: ['x'] };
    for (const _ of [1, 2]) {
      const trace = new SyncTrace(tracer, clock);
      trace.mark('render');
      trace.mark('apply');
      trace.end({ app, revision: V2, repo }, status, outcome);
    }
    expect(status.trace).toEqual({ revision: V2, traceID: commitTraceId(app, V2) });
    expect(sent.map((s) => s.name)).toEqual(['commit', 'fetch', 'render', 'apply', 'render', 'apply']);
    expect(sent.find((s) => s.name === 'fetch')?.attributes['vcs.repository.url.full']).toBe(
      'http://git/web.git',
    );
  });

  it('with tracing off, status says nothing of traces', () => {
    const status: ApplicationStatus = {};
    const trace = new SyncTrace(NO_TRACER, () => new Date());
    trace.mark('render');
    trace.end({ app, revision: V2, repo }, status, { error: 'boom' });
    expect(status.trace).toBeUndefined();
  });
});
