import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { lazyChild } from './lazy-child.ts';
import { createLogger } from './logger.ts';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, log: createLogger(level, stream) };
}

describe('lazyChild', () => {
  it('makes no child while nothing is logged at a level the parent writes', () => {
    const { lines, log } = capture('info');
    const child = vi.spyOn(log, 'child');
    const lazy = lazyChild(log, { kind: 'Application', name: 'a' });
    lazy.debug({ revision: 'r1' }, 'inputs unchanged');
    lazy.trace('sync stage');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('logs with the bindings, as the child would, once something is written', () => {
    const { lines, log } = capture('info');
    const child = vi.spyOn(log, 'child');
    const lazy = lazyChild(log, { kind: 'Application', namespace: 'ns', name: 'a' });
    lazy.info({ changed: 1 }, 'synced');
    lazy.warn('retrying');
    lazy.debug('not written');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.msg, l.kind, l.namespace, l.name, l.level])).toEqual([
      ['synced', 'Application', 'ns', 'a', 'info'],
      ['retrying', 'Application', 'ns', 'a', 'warn'],
    ]);
    expect(lines[0]?.changed).toBe(1);
  });

  it('writes debug lines when the parent is at debug, and passes other calls to the child', () => {
    const { lines, log } = capture('debug');
    const lazy = lazyChild(log, { name: 'a' });
    lazy.debug('status patched');
    lazy.child({ stage: 'helm' }).debug('chart rendered');
    expect(lazy.isLevelEnabled('debug')).toBe(true);
    expect(lines.map((l) => [l.msg, l.name, l.stage])).toEqual([
      ['status patched', 'a', undefined],
      ['chart rendered', 'a', 'helm'],
    ]);
  });

  it('redacts credentials in its bindings as any child does', () => {
    const { lines, log } = capture('info');
    lazyChild(log, { source: 'https://bot:s3cret@git.example.com/r.git' }).info('fetching');
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });
});
