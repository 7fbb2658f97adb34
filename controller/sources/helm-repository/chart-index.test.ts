import { describe, expect, it } from 'vitest';
import {
  ChartIndexError,
  chooseChart,
  highestMatching,
  parseChartIndex,
  sha256Revision,
} from './chart-index.ts';

const INDEX = `apiVersion: v1
entries:
  app:
    - name: app
      version: 1.1.0
      digest: ${'b'.repeat(64)}
      urls: [app-1.1.0.tgz]
    - name: app
      version: 1.0.0
      digest: ${'a'.repeat(64)}
      urls: [app-1.0.0.tgz]
    - name: app
      version: 2.0.0-rc.1
      urls: [app-2.0.0-rc.1.tgz]
generated: "2026-01-01T00:00:00Z"
`;

describe('parseChartIndex', () => {
  it('reads versions with sha256: digests', () => {
    const index = parseChartIndex(INDEX, 'index');
    expect(index.get('app')?.map((v) => [v.version, v.digest?.slice(0, 9)])).toEqual([
      ['1.1.0', 'sha256:bb'],
      ['1.0.0', 'sha256:aa'],
      ['2.0.0-rc.1', undefined],
    ]);
  });

  it('refuses what is not an index, naming it', () => {
    expect(() => parseChartIndex('kind: ConfigMap\n', 'http://x/index.yaml')).toThrow(
      'http://x/index.yaml: not a chart repository index (apiVersion v1 with entries)',
    );
    expect(() => parseChartIndex('a: [', 'idx')).toThrow(ChartIndexError);
  });
});

describe('choosing a version', () => {
  const index = parseChartIndex(INDEX, 'index');

  it('takes the highest release in range, a prerelease only when asked for', () => {
    expect(chooseChart(index, 'app', '1.x', 'repo').version).toBe('1.1.0');
    expect(chooseChart(index, 'app', '~1.0.0', 'repo').version).toBe('1.0.0');
    expect(chooseChart(index, 'app', undefined, 'repo').version).toBe('1.1.0');
    expect(chooseChart(index, 'app', '>=2.0.0-rc.0', 'repo').version).toBe('2.0.0-rc.1');
  });

  it('says what the repository has when nothing matches', () => {
    expect(() => chooseChart(index, 'app', '3.x', 'repo')).toThrow(
      'no version of chart "app" in repo matches "3.x" (has 1.1.0, 1.0.0, 2.0.0-rc.1)',
    );
    expect(() => chooseChart(index, 'web', '1.x', 'repo')).toThrow('chart "web" is not in repo');
    expect(() => highestMatching(['1.0.0'], 'not a range!')).toThrow('is not a semver range');
  });

  it('names a text by its sha256', () => {
    expect(sha256Revision('')).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
