import { describe, expect, it } from 'vitest';
import { chartDependencies, matchDependencies, type RepositoryUrl } from './dependencies.ts';

const repos: RepositoryUrl[] = [
  { key: 'team/stable', url: 'https://charts.example.com/stable/', oci: false },
  { key: 'team/oci', url: 'oci://registry.example.com/charts', oci: true },
];

describe('chart dependencies', () => {
  it('reads name, version and repository of each', () => {
    expect(
      chartDependencies({
        dependencies: [{ name: 'redis', version: '1.x', repository: 'https://x' }, { name: 'local' }, 'junk'],
      }),
    ).toEqual([
      { name: 'redis', version: '1.x', repository: 'https://x' },
      { name: 'local', version: undefined, repository: '' },
    ]);
    expect(chartDependencies({})).toEqual([]);
  });

  it('maps each URL to the HelmRepository that has it, skipping local ones', () => {
    const used = matchDependencies(
      [
        { name: 'a', version: '1', repository: 'https://charts.example.com/stable' },
        { name: 'b', version: '1', repository: 'oci://registry.example.com/charts' },
        { name: 'c', version: '1', repository: 'oci://registry.example.com/charts/nested' },
        { name: 'd', version: '1', repository: 'file://../d' },
        { name: 'e', version: '1', repository: '' },
      ],
      repos,
      'team',
    );
    expect([...used.keys()]).toEqual(['team/stable', 'team/oci']);
  });

  it('names a dependency no HelmRepository serves, and refuses aliases', () => {
    expect(() =>
      matchDependencies(
        [{ name: 'x', version: '1', repository: 'https://other.example.com' }],
        repos,
        'team',
      ),
    ).toThrow(
      'dependency "x" (repository "https://other.example.com"): no HelmRepository in namespace team has this URL',
    );
    expect(() =>
      matchDependencies([{ name: 'x', version: '1', repository: '@stable' }], repos, 'team'),
    ).toThrow(/repository alias names nothing in the cluster/);
    // An http URL is not served by an oci repository of the same host, nor the reverse.
    expect(() =>
      matchDependencies(
        [{ name: 'x', version: '1', repository: 'https://registry.example.com/charts' }],
        repos,
        'team',
      ),
    ).toThrow(/no HelmRepository/);
  });
});
