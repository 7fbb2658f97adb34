import { describe, expect, it } from 'vitest';
import type { Application } from '../../api/application.ts';
import { declaredInputs, MANIFEST_GENERATE_PATHS } from './generate-paths.ts';

const app = (value: string | undefined, path = 'apps/guestbook'): Pick<Application, 'metadata' | 'spec'> => ({
  metadata: {
    name: 'guestbook',
    ...(value !== undefined ? { annotations: { [MANIFEST_GENERATE_PATHS]: value } } : {}),
  },
  spec: { path, interval: '5m', prune: true },
});

describe('declaredInputs (argocd.argoproj.io/manifest-generate-paths)', () => {
  it('reads ;-separated paths relative to the Application path, . being the path itself', () => {
    expect(declaredInputs(app('.;../shared'))).toEqual(['apps/guestbook', 'apps/shared']);
  });

  it('reads a leading / as the repository root', () => {
    expect(declaredInputs(app('/common/base; /values.yaml'))).toEqual(['common/base', 'values.yaml']);
  });

  it('keeps globs as they are written', () => {
    expect(declaredInputs(app('/envs/*/values.yaml'))).toEqual(['envs/*/values.yaml']);
  });

  it('without a path, relative entries are from the root', () => {
    expect(declaredInputs(app('base', ''))).toEqual(['base']);
  });

  it('is undefined when the annotation is absent, empty or only separators', () => {
    expect(declaredInputs(app(undefined))).toBeUndefined();
    expect(declaredInputs(app(''))).toBeUndefined();
    expect(declaredInputs(app(' ; ;'))).toBeUndefined();
  });
});
