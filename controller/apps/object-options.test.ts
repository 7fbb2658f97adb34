import { describe, expect, it } from 'vitest';
import { AnnotationError } from './annotation-error.ts';
import { objectOptions } from './object-options.ts';

const SYNC = 'argocd.argoproj.io/sync-options';
const COMPARE = 'argocd.argoproj.io/compare-options';

describe('objectOptions', () => {
  it('gives an object without options the defaults: applied, pruned, validated', () => {
    const none = objectOptions(undefined);
    expect([none.apply, none.validate]).toEqual(['apply', true]);
    expect(Object.entries(none).filter(([, v]) => v === true || v === 'never')).toEqual([['validate', true]]);
    expect(objectOptions({ 'argocd.argoproj.io/tracking-id': 'x' })).toEqual(objectOptions(undefined));
  });

  it("reads Argo CD's sync options, spaces allowed", () => {
    const o = objectOptions({
      [SYNC]: 'Prune=false, Delete=false,PruneLast=true, SkipDryRunOnMissingResource=true,Validate=false',
    });
    expect(o).toMatchObject({
      keepOnPrune: true,
      keepOnDelete: true,
      pruneLast: true,
      skipDryRunOnMissingResource: true,
      validate: false,
    });
  });

  it('keeps Prune=false and Delete=false apart, as Argo CD does', () => {
    expect(objectOptions({ [SYNC]: 'Prune=false' })).toMatchObject({
      keepOnPrune: true,
      keepOnDelete: false,
    });
    expect(objectOptions({ [SYNC]: 'Delete=false' })).toMatchObject({
      keepOnPrune: false,
      keepOnDelete: true,
    });
  });

  it('replaces with Replace=true, re-creates with Force=true or Replace=true', () => {
    expect(objectOptions({ [SYNC]: 'Replace=true' })).toMatchObject({ replace: true, recreate: true });
    expect(objectOptions({ [SYNC]: 'Force=true' })).toMatchObject({ replace: false, recreate: true });
    expect(objectOptions({ [SYNC]: 'Replace=true,Force=true' })).toMatchObject({
      replace: true,
      recreate: true,
    });
  });

  it('accepts ServerSideApply either way: every object is sent server-side', () => {
    expect(objectOptions({ [SYNC]: 'ServerSideApply=true' })).toEqual(objectOptions(undefined));
    expect(objectOptions({ [SYNC]: 'ServerSideApply=false' })).toEqual(objectOptions(undefined));
  });

  it('refuses malformed, unknown and unsupported sync options, naming annotation and item', () => {
    const cases: [string, RegExp][] = [
      [
        'Prune=maybe',
        /^argocd\.argoproj\.io\/sync-options has "Prune=maybe": Prune must be one of false, true, confirm$/,
      ],
      ['Prune', /has an item "Prune" that is not Key=Value/],
      ['=true', /has an item "=true" that is not Key=Value/],
      ['Pruen=false', /has "Pruen=false": Pruen is unknown \(expected one of Prune, Delete,/],
      ['Prune=confirm', /has "Prune=confirm", which is not supported/],
      ['Delete=confirm', /has "Delete=confirm", which is not supported/],
      ['CreateNamespace=true', /CreateNamespace is an Application option \(spec\.syncPolicy\.syncOptions\)/],
      ['Prune=false,Prune=true', /has both "Prune=false" and "Prune=true"/],
      [' , ', /^argocd\.argoproj\.io\/sync-options is empty$/],
    ];
    for (const [value, message] of cases) {
      expect(() => objectOptions({ [SYNC]: value }), value).toThrow(message);
      expect(() => objectOptions({ [SYNC]: value })).toThrow(AnnotationError);
    }
  });

  it("reads Argo CD's IgnoreExtraneous compare option and refuses the others", () => {
    expect(objectOptions({ [COMPARE]: 'IgnoreExtraneous' }).ignoreExtraneous).toBe(true);
    expect(objectOptions({ [COMPARE]: 'ServerSideDiff=false' }).ignoreExtraneous).toBe(false);
    expect(() => objectOptions({ [COMPARE]: 'IgnoreExtranous' })).toThrow(
      /^argocd\.argoproj\.io\/compare-options has an unknown value "IgnoreExtranous"/,
    );
    expect(() => objectOptions({ [COMPARE]: 'ServerSideDiff=true' })).toThrow(/which is not supported yet/);
  });

  it("reads Flux's annotations, case as Flux compares it", () => {
    const flux = (key: string, value: string) =>
      objectOptions({ [`kustomize.toolkit.fluxcd.io/${key}`]: value });
    expect(flux('prune', 'disabled')).toMatchObject({ keepOnPrune: true, keepOnDelete: true });
    expect(flux('ssa', 'Override').apply).toBe('apply');
    expect(flux('ssa', 'Merge').apply).toBe('merge');
    expect(flux('ssa', 'IfNotPresent').apply).toBe('create-only');
    expect(flux('ssa', 'ignore').apply).toBe('never');
    expect(flux('force', 'Enabled').recreate).toBe(true);
    expect(flux('force', 'Disabled').recreate).toBe(false);
    expect(flux('reconcile', 'disabled').apply).toBe('never');
    expect(flux('reconcile', 'enabled').apply).toBe('apply');
  });

  it("keeps Helm's helm.sh/resource-policy: keep objects, and ignores other values as Helm does", () => {
    const helm = (value: string) => objectOptions({ 'helm.sh/resource-policy': value });
    expect(helm('keep')).toMatchObject({ keepOnPrune: true, keepOnDelete: true });
    expect(helm('delete')).toMatchObject({ keepOnPrune: false, keepOnDelete: false });
  });

  it('never applies an object whose reconcile is disabled, whatever its ssa mode', () => {
    expect(
      objectOptions({
        'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
        'kustomize.toolkit.fluxcd.io/ssa': 'Merge',
      }).apply,
    ).toBe('never');
  });

  it("reads our own prune opt-out like Flux's", () => {
    expect(objectOptions({ 'sluice.dev/prune': 'disabled' })).toMatchObject({
      keepOnPrune: true,
      keepOnDelete: true,
    });
  });

  it('refuses an unknown Flux value, naming the annotation and the expected spellings', () => {
    expect(() => objectOptions({ 'kustomize.toolkit.fluxcd.io/ssa': 'Overwrite' })).toThrow(
      new AnnotationError(
        'kustomize.toolkit.fluxcd.io/ssa',
        'has an unknown value "Overwrite" (expected one of Override, Merge, IfNotPresent, Ignore)',
      ),
    );
    expect(() => objectOptions({ 'kustomize.toolkit.fluxcd.io/prune': 'false' })).toThrow(
      /^kustomize\.toolkit\.fluxcd\.io\/prune has an unknown value "false" \(expected one of disabled, enabled\)$/,
    );
    expect(() => objectOptions({ 'kustomize.toolkit.fluxcd.io/force': 'true' })).toThrow(
      /expected one of Enabled, Disabled/,
    );
    expect(() => objectOptions({ 'sluice.dev/prune': 'off' })).toThrow(
      /^sluice\.dev\/prune has an unknown value/,
    );
  });
});
