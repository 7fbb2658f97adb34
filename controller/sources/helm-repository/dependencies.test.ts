import { describe, expect, it } from 'vitest';
import { matchDependencies, type RepositoryUrl } from './dependencies.ts';

const repos: RepositoryUrl[] = [
  { key: 'team/stable', url: 'https://charts.example.com/stable/', oci: false },
  { key: 'team/oci', url: 'oci://registry.example.com/charts', oci: true },
];

describe('chart dependencies', () => {
  it('maps each URL to the HelmRepository that has it, skipping local ones', () => {
    const used = matchDependencies(
      [
        { name: 'a', repository: 'https://charts.example.com/stable' },
        { name: 'b', repository: 'oci://registry.example.com/charts' },
        { name: 'c', repository: 'oci://registry.example.com/charts/nested' },
        { name: 'd', repository: 'file://../d' },
        { name: 'e', repository: '' },
        { name: 'f' },
      ],
      repos,
      'team',
    );
    expect([...used.keys()]).toEqual(['team/stable', 'team/oci']);
  });

  it('names a dependency no HelmRepository serves, and refuses aliases', () => {
    expect(() =>
      matchDependencies([{ name: 'x', repository: 'https://other.example.com' }], repos, 'team'),
    ).toThrow(
      'dependency "x" (repository "https://other.example.com"): no HelmRepository in namespace team has this URL',
    );
    expect(() => matchDependencies([{ name: 'x', repository: '@stable' }], repos, 'team')).toThrow(
      /repository alias names nothing in the cluster/,
    );
    // An http URL is not served by an oci repository of the same host, nor the reverse.
    expect(() =>
      matchDependencies([{ name: 'x', repository: 'https://registry.example.com/charts' }], repos, 'team'),
    ).toThrow(/no HelmRepository/);
  });
});
