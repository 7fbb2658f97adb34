import { describe, expect, it, vi } from 'vitest';
import type { Informer } from '../kube/informer.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import { ExistingNames } from './existing-names.ts';

const configMaps = core.configMaps;

/** A names cache that lists when told. */
function cache(names: string[]) {
  let listed!: () => void;
  const inf = {
    hasSynced: false,
    synced: new Promise<void>((r) => (listed = r)),
    get: (key: string) => (names.includes(key) ? ({ metadata: { name: key } } as KubeObject) : undefined),
  };
  return {
    inf,
    list: () => {
      inf.hasSynced = true;
      listed();
    },
  };
}

describe('which objects exist', () => {
  it('answers from the names of the whole kind, once listed', async () => {
    const c = cache(['team/there']);
    c.list();
    const existing = new ExistingNames({ names: () => c.inf as unknown as Informer<KubeObject> });
    expect(await existing.absent(configMaps, 'team', 'there')).toBe(false);
    expect(await existing.absent(configMaps, 'team', 'new')).toBe(true);
    expect(await existing.absent(configMaps, 'other', 'there')).toBe(true);
  });

  it('waits for the first list of a kind, then never again: unlisted means not known', async () => {
    vi.useFakeTimers();
    try {
      const c = cache([]);
      const existing = new ExistingNames({ names: () => c.inf as unknown as Informer<KubeObject> });
      const first = existing.absent(configMaps, 'team', 'new');
      await vi.advanceTimersByTimeAsync(3_000);
      expect(await first).toBe(false);
      // No second wait: answered at once.
      expect(await existing.absent(configMaps, 'team', 'new')).toBe(false);
      c.list();
      expect(await existing.absent(configMaps, 'team', 'new')).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers as soon as the first list lands', async () => {
    const c = cache([]);
    const existing = new ExistingNames({ names: () => c.inf as unknown as Informer<KubeObject> });
    const first = existing.absent(configMaps, 'team', 'new');
    c.list();
    expect(await first).toBe(true);
  });
});
