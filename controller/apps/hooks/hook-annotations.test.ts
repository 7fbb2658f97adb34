import { describe, expect, it } from 'vitest';
import { AnnotationError } from '../annotation-error.ts';
import { syncRole } from './hook-annotations.ts';

describe('syncRole', () => {
  it('makes an object without hook annotations ordinary, in wave 0', () => {
    expect(syncRole(undefined)).toEqual({ skip: false, wave: 0 });
    expect(syncRole({ unrelated: 'x' })).toEqual({ skip: false, wave: 0 });
  });

  it('reads the wave from sluice.dev or Argo CD, ours first', () => {
    expect(syncRole({ 'argocd.argoproj.io/sync-wave': '-2' }).wave).toBe(-2);
    expect(syncRole({ 'sluice.dev/sync-wave': '3', 'argocd.argoproj.io/sync-wave': '1' }).wave).toBe(3);
  });

  it('refuses a wave that is not an integer, naming the annotation', () => {
    for (const [key, value] of [
      ['argocd.argoproj.io/sync-wave', '1.5'],
      ['sluice.dev/sync-wave', 'soon'],
      ['argocd.argoproj.io/sync-wave', ' '],
    ] as const) {
      expect(() => syncRole({ [key]: value })).toThrow(new AnnotationError(key, 'must be an integer'));
    }
  });

  it('reads an Argo CD hook with its phases, wave and the default delete policy', () => {
    expect(
      syncRole({ 'argocd.argoproj.io/hook': 'PreSync, PostSync', 'argocd.argoproj.io/sync-wave': '1' }),
    ).toEqual({
      skip: false,
      wave: 1,
      hook: { phases: ['PreSync', 'PostSync'], deletePolicies: ['BeforeHookCreation'] },
    });
  });

  it('takes the delete policies given, instead of the default', () => {
    expect(
      syncRole({
        'argocd.argoproj.io/hook': 'Sync',
        'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded,HookFailed',
      }).hook?.deletePolicies,
    ).toEqual(['HookSucceeded', 'HookFailed']);
  });

  it('skips a Skip object, whatever else it lists', () => {
    expect(syncRole({ 'argocd.argoproj.io/hook': 'Skip' })).toEqual({ skip: true, wave: 0 });
    expect(syncRole({ 'argocd.argoproj.io/hook': 'PreSync,Skip' }).skip).toBe(true);
  });

  it('refuses an unknown hook or delete policy, naming the annotation and the value', () => {
    expect(() => syncRole({ 'argocd.argoproj.io/hook': 'PreSynk' })).toThrow(
      /^argocd\.argoproj\.io\/hook has an unknown value "PreSynk" \(expected one of PreSync, Sync, PostSync, SyncFail, Skip\)$/,
    );
    expect(() =>
      syncRole({
        'argocd.argoproj.io/hook': 'PreSync',
        'argocd.argoproj.io/hook-delete-policy': 'OnSuccess',
      }),
    ).toThrow(/^argocd\.argoproj\.io\/hook-delete-policy has an unknown value "OnSuccess"/);
    expect(() => syncRole({ 'argocd.argoproj.io/hook': ' , ' })).toThrow('argocd.argoproj.io/hook is empty');
    // Checked on an object that is no hook too: a typo is still a typo.
    expect(() => syncRole({ 'argocd.argoproj.io/hook-delete-policy': 'Always' })).toThrow(AnnotationError);
  });

  describe('Helm hooks', () => {
    it('maps install and upgrade hooks onto PreSync and PostSync, the weight onto the wave', () => {
      expect(
        syncRole({
          'helm.sh/hook': 'pre-install,pre-upgrade',
          'helm.sh/hook-weight': '-5',
          'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
        }),
      ).toEqual({
        skip: false,
        wave: -5,
        hook: { phases: ['PreSync'], deletePolicies: ['BeforeHookCreation', 'HookSucceeded'] },
      });
      expect(syncRole({ 'helm.sh/hook': 'post-install,post-upgrade' }).hook).toEqual({
        phases: ['PostSync'],
        deletePolicies: ['BeforeHookCreation'],
      });
    });

    it('does not apply hooks with no sync phase (delete, rollback, test)', () => {
      expect(syncRole({ 'helm.sh/hook': 'test' }).skip).toBe(true);
      expect(syncRole({ 'helm.sh/hook': 'pre-delete,post-rollback' }).skip).toBe(true);
    });

    it('keeps crd-install objects ordinary', () => {
      expect(syncRole({ 'helm.sh/hook': 'crd-install' })).toEqual({ skip: false, wave: 0 });
      expect(syncRole({ 'helm.sh/hook': 'crd-install,pre-install' }).hook?.phases).toEqual(['PreSync']);
    });

    it('lets Argo CD annotations win over Helm ones', () => {
      expect(
        syncRole({ 'argocd.argoproj.io/hook': 'Sync', 'helm.sh/hook': 'pre-install' }).hook?.phases,
      ).toEqual(['Sync']);
    });

    it('refuses an unknown Helm hook or policy', () => {
      expect(() => syncRole({ 'helm.sh/hook': 'pre-instal' })).toThrow(
        /^helm\.sh\/hook has an unknown value/,
      );
      expect(() =>
        syncRole({ 'helm.sh/hook': 'pre-install', 'helm.sh/hook-delete-policy': 'always' }),
      ).toThrow(/^helm\.sh\/hook-delete-policy has an unknown value "always"/);
    });
  });
});
