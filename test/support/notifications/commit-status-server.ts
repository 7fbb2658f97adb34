// A loopback stand-in for the GitHub and GitLab commit status APIs. Their services cannot be
// reached from the test machine, so this implements exactly the documented endpoints Sluice
// calls and refuses everything else:
//   GitHub REST  POST /api/v3/repos/{owner}/{repo}/statuses/{sha}   (Authorization: Bearer)
//                GET  /api/v3/repos/{owner}/{repo}/commits/{ref}/statuses
//   GitLab REST  POST /api/v4/projects/{id}/statuses/{sha}          (PRIVATE-TOKEN)
// with the documented states and 422 for anything else in the body.

import { type HttpRecorder, type Received, startRecorder } from './receiver.ts';

interface CommitStatus {
  api: 'github' | 'gitlab';
  repo: string;
  sha: string;
  state: string;
  context: string;
  description: string;
}

const GITHUB_STATES = ['error', 'failure', 'pending', 'success'];
const GITLAB_STATES = ['pending', 'running', 'success', 'failed', 'canceled'];
const SHA = /^[0-9a-f]{40}$/;

export interface CommitStatusServer extends HttpRecorder {
  statuses: CommitStatus[];
}

export async function startCommitStatusServer(token: string): Promise<CommitStatusServer> {
  const statuses: CommitStatus[] = [];
  const record = (
    api: CommitStatus['api'],
    repo: string,
    sha: string,
    context: string,
    body: Record<string, unknown>,
  ) => {
    const status = {
      api,
      repo,
      sha,
      context,
      state: String(body.state),
      description: String(body.description ?? ''),
    };
    statuses.push(status);
    return { status: 201, json: status };
  };
  const handle = (req: Omit<Received, 'status'>): { status: number; json?: unknown } => {
    const url = new URL(req.path, 'http://localhost');
    const github = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/.exec(url.pathname);
    const githubList = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/statuses$/.exec(url.pathname);
    const gitlab = /^\/api\/v4\/projects\/([^/]+)\/statuses\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && githubList) {
      const repo = `${githubList[1]}/${githubList[2]}`;
      return { status: 200, json: statuses.filter((s) => s.repo === repo && s.sha === githubList[3]) };
    }
    if (req.method !== 'POST' || !(github || gitlab)) return { status: 404, json: { message: 'Not Found' } };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return { status: 400, json: { message: 'Problems parsing JSON' } };
    }
    if (github) {
      if (req.headers.authorization !== `Bearer ${token}`)
        return { status: 401, json: { message: 'Bad credentials' } };
      const [, owner, name, sha] = github as unknown as [string, string, string, string];
      if (!SHA.test(sha) || !GITHUB_STATES.includes(String(body.state)))
        return { status: 422, json: { message: 'Validation Failed' } };
      return record('github', `${owner}/${name}`, sha, String(body.context ?? 'default'), body);
    }
    const [, id, sha] = gitlab as unknown as [string, string, string];
    if (req.headers['private-token'] !== token) return { status: 401, json: { message: '401 Unauthorized' } };
    if (!SHA.test(sha) || !GITLAB_STATES.includes(String(body.state)))
      return { status: 400, json: { message: 'state is invalid' } };
    return record('gitlab', decodeURIComponent(id), sha, String(body.name ?? 'default'), body);
  };
  return Object.assign(await startRecorder(handle), { statuses });
}
