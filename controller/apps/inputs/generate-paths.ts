import type { Application } from '../../api/application.ts';
import { type InputPaths, normalisePath } from './input-paths.ts';

/** Argo CD's annotation naming, by hand, the paths an Application's manifests come from. */
export const MANIFEST_GENERATE_PATHS = 'argocd.argoproj.io/manifest-generate-paths';

/**
 * The paths `argocd.argoproj.io/manifest-generate-paths` declares, as Argo CD reads them:
 * `;`-separated, each relative to the Application's path (`.` is the path itself) or, with
 * a leading `/`, to the repository root; globs allowed. Undefined when it is absent or
 * empty: the paths are then found from the render.
 */
export function declaredInputs(app: Pick<Application, 'metadata' | 'spec'>): InputPaths | undefined {
  const value = app.metadata.annotations?.[MANIFEST_GENERATE_PATHS];
  if (!value?.trim()) return undefined;
  const base = normalisePath(app.spec.path ?? '');
  const paths = value
    .split(';')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => (item.startsWith('/') ? normalisePath(item) : normalisePath(`${base}/${item}`)));
  return paths.length > 0 ? paths : undefined;
}
