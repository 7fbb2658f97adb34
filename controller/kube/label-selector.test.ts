import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from './label-selector.ts';

const KEY = 'sharding.fluxcd.io/key';

describe('label selectors', () => {
  const matches = (selector: string, labels?: Record<string, string>) =>
    matchesLabels(parseLabelSelector(selector), labels);

  it('matches equality, inequality, sets and existence as the API server does', () => {
    expect(matches(`${KEY}=shard1`, { [KEY]: 'shard1' })).toBe(true);
    expect(matches(`${KEY}==shard1`, { [KEY]: 'shard2' })).toBe(false);
    expect(matches(`${KEY}!=shard1`, {})).toBe(true);
    expect(matches(`${KEY}!=shard1`, { [KEY]: 'shard1' })).toBe(false);
    expect(matches(`!${KEY}`, undefined)).toBe(true);
    expect(matches(`!${KEY}`, { [KEY]: 'shard1' })).toBe(false);
    expect(matches(KEY, { [KEY]: '' })).toBe(true);
    expect(matches(`${KEY} in (shard1, shard2)`, { [KEY]: 'shard2' })).toBe(true);
    expect(matches(`${KEY} notin (shard1,shard2)`, { [KEY]: 'shard2' })).toBe(false);
    expect(matches(`${KEY} notin (shard1,shard2)`, {})).toBe(true);
    expect(matches(`app=web, ${KEY} in (a,b)`, { app: 'web', [KEY]: 'b' })).toBe(true);
    expect(matches(`app=web, ${KEY} in (a,b)`, { app: 'api', [KEY]: 'b' })).toBe(false);
  });

  it('refuses what the API server would, naming the requirement', () => {
    expect(() => parseLabelSelector('')).toThrow('empty label selector');
    expect(() => parseLabelSelector('a=b,=c')).toThrow('invalid label selector requirement "=c"');
    expect(() => parseLabelSelector('a in (b')).toThrow('invalid label selector requirement "a in (b"');
    expect(() => parseLabelSelector('a=b c')).toThrow('"a=b c"');
    expect(() => parseLabelSelector('-a=b')).toThrow('"-a=b"');
  });
});
