import { describe, expect, it } from 'vitest';
import { canonicalJson, fnv32a, podTemplateHash, safeEncode } from './hash.ts';

describe('hashes', () => {
  it('FNV-1a matches the reference values', () => {
    expect(fnv32a('')).toBe(0x811c9dc5);
    expect(fnv32a('a')).toBe(0xe40c292c);
    expect(fnv32a('foobar')).toBe(0xbf9cf968);
  });
  it('encodes with the DNS-safe alphabet Kubernetes uses', () => {
    expect(safeEncode(1234567890)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });
  it('is independent of key order, and changes with content and collision count', () => {
    const a = {
      metadata: { labels: { app: 'x', tier: 'web' } },
      spec: { containers: [{ name: 'c', image: 'i:1' }] },
    };
    const b = {
      spec: { containers: [{ image: 'i:1', name: 'c' }] },
      metadata: { labels: { tier: 'web', app: 'x' } },
    };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(podTemplateHash(a)).toBe(podTemplateHash(b));
    expect(podTemplateHash(a)).not.toBe(
      podTemplateHash({ ...a, spec: { containers: [{ name: 'c', image: 'i:2' }] } }),
    );
    expect(podTemplateHash(a, 1)).not.toBe(podTemplateHash(a));
  });
});
