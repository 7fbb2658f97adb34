import { describe, expect, it } from 'vitest';
import type { Application } from '../api/application.ts';
import { applierAccount, applierIdentity } from './applier-account.ts';

const app = (serviceAccountName?: string): Application => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'team-a' },
  spec: {
    sourceRef: { kind: 'GitRepository', name: 'repo' },
    interval: '1m',
    prune: true,
    serviceAccountName,
  },
});

describe('applierAccount', () => {
  it("uses the Application's own ServiceAccount, in its namespace, over any default", () => {
    expect(applierAccount(app('deployer'), 'sluice-system/sluice-applier')).toEqual({
      namespace: 'team-a',
      name: 'deployer',
    });
  });

  it('falls back to a default in the Application namespace, or to one account for all', () => {
    expect(applierAccount(app(), 'applier')).toEqual({ namespace: 'team-a', name: 'applier' });
    expect(applierAccount(app(), 'sluice-system/sluice-applier')).toEqual({
      namespace: 'sluice-system',
      name: 'sluice-applier',
    });
  });

  it('is none without either: the controller applies as itself', () => {
    expect(applierAccount(app(), undefined)).toBeUndefined();
  });
});

describe('applierIdentity', () => {
  it('impersonates the account as a user, without naming its groups', () => {
    expect(applierIdentity(app('deployer'), undefined)).toEqual({
      user: 'system:serviceaccount:team-a:deployer',
    });
    expect(applierIdentity(app(), 'sluice-system/sluice-applier')).toEqual({
      user: 'system:serviceaccount:sluice-system:sluice-applier',
    });
    expect(applierIdentity(app(), undefined)).toBeUndefined();
  });
});
