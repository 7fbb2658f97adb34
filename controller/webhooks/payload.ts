import type { WebhookProvider } from './verify.ts';

export interface PushEvent {
  /** Every URL form the payload names for the repository. */
  urls: string[];
  /** Full ref, e.g. refs/heads/main or refs/tags/v1.2.0; undefined when not given. */
  ref: string | undefined;
}

export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Extracts repository URLs and the pushed ref from a provider's push payload. */
export function parsePush(provider: WebhookProvider, body: unknown): PushEvent {
  const root = obj(body);
  let urls: (string | undefined)[];
  if (provider === 'github') {
    const repo = obj(root.repository);
    urls = [str(repo.clone_url), str(repo.ssh_url), str(repo.git_url), str(repo.html_url), str(repo.url)];
  } else if (provider === 'gitlab') {
    const project = obj(root.project);
    const repo = obj(root.repository);
    urls = [
      str(project.git_http_url),
      str(project.git_ssh_url),
      str(project.web_url),
      str(repo.git_http_url),
      str(repo.git_ssh_url),
      str(repo.homepage),
    ];
  } else {
    urls = [str(root.url), str(obj(root.repository).url)];
  }
  const found = urls.filter((u): u is string => u !== undefined);
  if (found.length === 0) throw new PayloadError('payload names no repository URL');
  return { urls: found, ref: str(root.ref) };
}
