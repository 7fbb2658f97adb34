// The demo repository's post-receive hook: after every push, it tells Sluice's webhook receiver
// which branches moved, signed as the receiver's generic provider expects, so the controller
// fetches at once instead of at its next polling interval. Hosted git services send the same
// kind of request (GitHub, GitLab); a bare git server only has hooks.
//
//   SLUICE_WEBHOOK_URL=http://127.0.0.1:9292/hook/generic SLUICE_WEBHOOK_SECRET=… \
//   SLUICE_REPO_URL=git://127.0.0.1:9418/demo.git node demo/post-receive.ts < "old new ref" lines
//
// It never fails the push: the push has already happened, and polling still picks it up.

import { createHmac } from 'node:crypto';
import { createInterface } from 'node:readline';

const url = process.env.SLUICE_WEBHOOK_URL ?? '';
const secret = process.env.SLUICE_WEBHOOK_SECRET ?? '';
const repoUrl = process.env.SLUICE_REPO_URL ?? '';

async function notify(ref: string): Promise<string> {
  const body = JSON.stringify({ url: repoUrl, ref });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-sluice-timestamp': timestamp,
      'x-sluice-signature': `sha256=${signature}`,
    },
    body,
    signal: AbortSignal.timeout(5_000),
  });
  const answer = (await response.json().catch(() => ({}))) as { matched?: string[]; error?: string };
  if (!response.ok) return `HTTP ${response.status} ${answer.error ?? ''}`.trim();
  const matched = answer.matched ?? [];
  return matched.length > 0 ? `fetching now: ${matched.join(', ')}` : 'no GitRepository watches this branch';
}

const refs: string[] = [];
for await (const line of createInterface({ input: process.stdin })) {
  const ref = line.trim().split(/\s+/)[2];
  if (ref?.startsWith('refs/heads/')) refs.push(ref);
}
for (const ref of refs) {
  try {
    process.stdout.write(`sluice: ${ref}: ${await notify(ref)}\n`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stdout.write(`sluice: ${ref}: webhook not delivered (${reason}); Sluice polls every minute\n`);
  }
}
