import { describe, expect, it } from 'vitest';
import { missingDependencies } from './chart-dependencies.ts';

describe('missingDependencies', () => {
  const deps = [
    { name: 'redis', version: '17.3.2', repository: 'https://charts.example' },
    { name: 'pg', version: '~12.1.0' },
    { name: 'common' },
  ];

  it('finds an unpacked chart by name, a packed one by name and exact version, any version for a range', () => {
    expect(missingDependencies(deps, ['redis-17.3.2.tgz', 'pg-12.1.4.tgz', 'common'])).toEqual([]);
  });

  it('names those with nothing under charts/, or a packed chart of another exact version', () => {
    expect(
      missingDependencies(deps, ['redis-17.3.1.tgz', 'pgadmin', 'common-2.0.0.tgz']).map((d) => d.name),
    ).toEqual(['redis', 'pg']);
  });
});
