import type { KubeObject } from '../../kube/resources.ts';
import { AnnotationError } from '../annotation-error.ts';
import { objectOptions } from '../object-options.ts';

/**
 * Why a live object stays when its Application is deleted, in the words of the annotation
 * that says so (`Delete=false`, `kustomize.toolkit.fluxcd.io/prune: disabled`), or
 * undefined. The one parser (object-options.ts) judges each annotation item alone, so the
 * reason names the item that keeps the object. An annotation it cannot read keeps the
 * object too: its author may have meant to protect it.
 */
export function keepOnDeleteReason(live: KubeObject): string | undefined {
  const annotations = live.metadata.annotations ?? {};
  try {
    if (!objectOptions(annotations).keepOnDelete) return undefined;
  } catch (err) {
    if (err instanceof AnnotationError) return `unreadable annotation (${err.message})`;
    throw err;
  }
  for (const [key, value] of Object.entries(annotations)) {
    for (const item of value.split(',').map((s) => s.trim())) {
      if (!keeps(key, item)) continue;
      return item.includes('=') ? item : `${key}: ${item}`;
    }
  }
  return 'kept by its annotations';
}

function keeps(key: string, item: string): boolean {
  try {
    return objectOptions({ [key]: item }).keepOnDelete;
  } catch {
    return false;
  }
}
