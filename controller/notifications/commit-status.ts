// Commit statuses on GitHub and GitLab: the verdict shows on the commit that caused it. The
// commit is the event's revision; the repository is the Provider address's path (Flux's
// form, https://github.com/<owner>/<repo>) or, when the address is only a host, the path of
// the GitRepository URL the Application is synced from.

import type { NotificationEvent } from './event.ts';
import { revisionSha } from './event.ts';
import type { OutgoingRequest, ProviderConfig, Skipped } from './payload.ts';

type CommitState = 'success' | 'failure' | 'pending';

/** GitHub's limit on a status description. */
const MAX_DESCRIPTION = 140;

/** `owner/repo` (GitLab: `group/subgroup/project`) from any git URL form, or undefined. */
export function repositoryPath(url: string): string | undefined {
  const scp = /^[^/@\s]+@[^/:\s]+:(.+)$/.exec(url);
  let path: string;
  if (scp) path = scp[1] as string;
  else {
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
  }
  const trimmed = path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  return trimmed.split('/').length >= 2 ? trimmed : undefined;
}

/** Warnings fail the commit; steps under way are pending; anything else succeeded. */
export function commitState(event: Pick<NotificationEvent, 'severity' | 'reason'>): CommitState {
  if (event.severity === 'error') return 'failure';
  return /Progress|Running|Paused|Updated|Created|Started/.test(event.reason) ? 'pending' : 'success';
}

/** Which strategy an analysis label belongs to: canary steps and background, or blue-green's promotions. */
const strategyOf = (label: string) => (label.endsWith('-promotion') ? 'blue-green' : 'canary');

/**
 * A short line for the commit: an analysis verdict reads "canary failed, error-rate = 0.3";
 * anything else is the reason and message, cut to GitHub's 140 characters.
 */
export function commitDescription(event: Pick<NotificationEvent, 'reason' | 'message'>): string {
  const verdict =
    /(step \d+|background|pre-promotion|post-promotion) analysis \S+ (Failed|Error|Inconclusive): metric "([^"]+)" \w+(?: with value ([^\s(]+))?/.exec(
      event.message,
    );
  let text = `${event.reason}: ${event.message}`;
  if (verdict) {
    const [, label, phase, metric, value] = verdict as unknown as [string, string, string, string, string?];
    // A one-element vector reads as its value.
    const shown = value?.replace(/^\[([^,\]]*)\]$/, '$1');
    text = `${strategyOf(label)} ${phase.toLowerCase()}, ${metric}${shown === undefined ? '' : ` = ${shown}`}`;
  }
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 3)}...`;
}

function apiBase(type: 'github' | 'gitlab', address: URL): string {
  if (type === 'gitlab') return `${address.origin}/api/v4`;
  // github.com's API has its own host; GitHub Enterprise serves it under /api/v3.
  return address.hostname === 'github.com' ? 'https://api.github.com' : `${address.origin}/api/v3`;
}

export function commitStatusRequest(
  type: 'github' | 'gitlab',
  provider: ProviderConfig,
  event: NotificationEvent,
  baseHeaders: Record<string, string>,
): OutgoingRequest | Skipped {
  const sha = event.source ? revisionSha(event.source.revision) : undefined;
  if (!sha) return { skipped: 'the event names no commit' };
  const address = new URL(provider.address);
  const repo =
    repositoryPath(provider.address) ?? (event.source?.url ? repositoryPath(event.source.url) : undefined);
  if (!repo) return { skipped: 'neither spec.address nor the GitRepository URL names a repository' };
  const context = `sluice/${event.source?.application ?? event.involvedObject.name}`;
  const state = commitState(event);
  const description = commitDescription(event);
  const base = apiBase(type, address);
  if (type === 'github') {
    const [owner, name] = repo.split('/').slice(-2) as [string, string];
    return {
      url: `${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/statuses/${sha}`,
      headers: {
        ...baseHeaders,
        accept: 'application/vnd.github+json',
        ...(provider.token ? { authorization: `Bearer ${provider.token}` } : {}),
      },
      body: JSON.stringify({ state, context, description }),
    };
  }
  return {
    url: `${base}/projects/${encodeURIComponent(repo)}/statuses/${sha}`,
    headers: { ...baseHeaders, ...(provider.token ? { 'private-token': provider.token } : {}) },
    body: JSON.stringify({ state: state === 'failure' ? 'failed' : state, name: context, description }),
  };
}
