// A chart repository's index.yaml, as `helm repo index` writes it: the versions of each chart,
// with the digest of each package. Pure: parsing and choosing a version.

import { createHash } from 'node:crypto';
import semver from 'semver';
import { parse } from 'yaml';
import { isPlainObject } from '../../runtime/merge-patch.ts';

export class ChartIndexError extends Error {
  override readonly name = 'ChartIndexError';
}

export interface ChartVersion {
  name: string;
  version: string;
  /** `sha256:<hex>` of the package, when the index gives one. */
  digest: string | undefined;
  urls: string[];
}

export type ChartIndex = ReadonlyMap<string, readonly ChartVersion[]>;

/** `sha256:<hex>` of a text: the revision of an index, or of anything fetched whole. */
export function sha256Revision(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Parses index.yaml; `where` names it in errors. */
export function parseChartIndex(text: string, where: string): ChartIndex {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ChartIndexError(`${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
    });
  }
  if (!isPlainObject(doc) || doc.apiVersion !== 'v1' || !isPlainObject(doc.entries)) {
    throw new ChartIndexError(`${where}: not a chart repository index (apiVersion v1 with entries)`);
  }
  const index = new Map<string, ChartVersion[]>();
  for (const [name, list] of Object.entries(doc.entries)) {
    if (!Array.isArray(list)) continue;
    const versions: ChartVersion[] = [];
    for (const entry of list) {
      if (!isPlainObject(entry) || typeof entry.version !== 'string') continue;
      const digest = typeof entry.digest === 'string' && entry.digest ? entry.digest : undefined;
      versions.push({
        name,
        version: entry.version,
        digest: digest && !digest.includes(':') ? `sha256:${digest}` : digest,
        urls: Array.isArray(entry.urls) ? entry.urls.filter((u): u is string => typeof u === 'string') : [],
      });
    }
    index.set(name, versions);
  }
  return index;
}

/**
 * The highest version matching `range` (any version when unset), as Flux chooses: a
 * prerelease only when the range asks for one.
 */
export function highestMatching(versions: readonly string[], range: string | undefined): string | undefined {
  const wanted = range?.trim() || '*';
  if (!semver.validRange(wanted))
    throw new ChartIndexError(`version ${JSON.stringify(range)} is not a semver range`);
  return (
    semver.maxSatisfying(
      versions.filter((v) => semver.valid(v)),
      wanted,
    ) ?? undefined
  );
}

/** The entry of `name` an Application asks for, or an error that says what the index has. */
export function chooseChart(
  index: ChartIndex,
  name: string,
  range: string | undefined,
  where: string,
): ChartVersion {
  const versions = index.get(name);
  if (!versions?.length) throw new ChartIndexError(`chart ${JSON.stringify(name)} is not in ${where}`);
  const version = highestMatching(
    versions.map((v) => v.version),
    range,
  );
  const chosen = versions.find((v) => v.version === version);
  if (!chosen) {
    const known = versions
      .map((v) => v.version)
      .slice(0, 10)
      .join(', ');
    throw new ChartIndexError(
      `no version of chart ${JSON.stringify(name)} in ${where} matches ${JSON.stringify(range ?? '*')} (has ${known})`,
    );
  }
  return chosen;
}
