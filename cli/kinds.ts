// The words people type for the kinds the plugin works on, as kubectl accepts plural, singular
// and short names.

import { applicationResource } from '../controller/api/application.ts';
import { gitRepositoryResource } from '../controller/api/git-repository.ts';
import type { SluiceResourceType } from '../controller/api/meta.ts';
import { rolloutResource } from '../controller/api/rollout.ts';
import { UsageError } from './cli-errors.ts';

export type KindName = 'app' | 'source' | 'rollout';

export const RESOURCES: Record<KindName, SluiceResourceType> = {
  app: applicationResource,
  source: gitRepositoryResource,
  rollout: rolloutResource,
};

const WORDS: Record<KindName, string[]> = {
  app: ['app', 'apps', 'application', 'applications'],
  source: ['source', 'sources', 'gitrepository', 'gitrepositories', 'gitrepo', 'gitrepos', 'repo'],
  rollout: ['rollout', 'rollouts', 'ro'],
};

export function kindOf(word: string | undefined): KindName | undefined {
  const w = word?.toLowerCase().replace(/\.sluice\.dev$/, '');
  for (const [kind, words] of Object.entries(WORDS) as [KindName, string[]][]) {
    if (w && words.includes(w)) return kind;
  }
  return undefined;
}

/** `KIND NAME` where KIND is one of `allowed`; also accepts `KIND/NAME`. */
export function kindAndName(
  args: string[],
  allowed: readonly KindName[],
  command: string,
): [KindName, string] {
  const [first, second, ...rest] = args;
  let word = first;
  let name = second;
  if (first?.includes('/') && second === undefined) [word, name] = first.split('/', 2) as [string, string];
  const kind = kindOf(word);
  const list = allowed.join('|');
  if (!kind || !allowed.includes(kind)) {
    throw new UsageError(`${command} needs a kind (${list}) and a name${word ? `, not "${word}"` : ''}`);
  }
  if (!name) throw new UsageError(`${command} ${word} needs a name`);
  if (rest.length > 0 || (first?.includes('/') && second !== undefined)) {
    throw new UsageError(`${command} takes one object, got extra arguments: ${rest.join(' ') || second}`);
  }
  return [kind, name];
}
