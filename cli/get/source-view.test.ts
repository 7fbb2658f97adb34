import { describe, expect, it } from 'vitest';
import type { Application } from '../../controller/api/application.ts';
import { renderApplication } from './source-view.ts';

const now = new Date('2025-01-02T03:10:00Z');

function app(extra: Partial<Application['metadata']>, status: Application['status'] = {}): Application {
  return {
    metadata: { name: 'shop', namespace: 'team', ...extra },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      interval: '1m',
      prune: true,
      deletionPolicy: 'WaitForTermination',
    },
    status,
  };
}

describe('get app', () => {
  it('shows the deletion policy, and nothing about a deletion that has not begun', () => {
    const out = renderApplication(app({}), undefined, now);
    expect(out).toMatch(/Deletion policy\s+WaitForTermination/);
    expect(out).not.toContain('Deleting');
  });

  it('while deleting, shows for how long, what it waits for, and what it kept and why', () => {
    const out = renderApplication(
      app(
        { deletionTimestamp: '2025-01-02T03:08:00Z' },
        {
          deletion: {
            policy: 'WaitForTermination',
            terminating: ['ConfigMap/held'],
            kept: ['ConfigMap/keep: Delete=false'],
            message: 'waiting for 1 objects to terminate (policy WaitForTermination): ConfigMap/held',
          },
        },
      ),
      undefined,
      now,
    );
    expect(out).toContain('for 2m: waiting for 1 objects to terminate');
    expect(out).toMatch(/Terminating\s+1/);
    expect(out).toContain('ConfigMap/held');
    expect(out).toContain('ConfigMap/keep: Delete=false');
  });
});
