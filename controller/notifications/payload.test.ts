import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commitDescription, commitState, repositoryPath } from './commit-status.ts';
import { buildRequest, type OutgoingRequest, type ProviderConfig } from './payload.ts';
import { signBody } from './sign.ts';
import { testEvent } from './test-events.ts';

const now = new Date('2026-12-06T06:00:01.500Z');
const sha = 'a'.repeat(40);
const withSource = testEvent({
  source: { revision: `main@sha1:${sha}`, url: 'https://git.example.com/acme/shop.git', application: 'shop' },
});

function request(config: Partial<ProviderConfig>, event = withSource, extras = {}): OutgoingRequest {
  const r = buildRequest(
    { type: 'generic', address: 'https://hooks.example.com/x', headers: {}, ...config },
    event,
    extras,
    now,
  );
  if ('skipped' in r) throw new Error(r.skipped);
  return r;
}

describe('generic and generic-hmac', () => {
  it("send Flux's event JSON with the revision and the Alert's metadata", () => {
    const r = request({ headers: { 'x-team': 'a' } }, withSource, {
      summary: 'prod',
      eventMetadata: { env: 'prod' },
    });
    expect(r.url).toBe('https://hooks.example.com/x');
    expect(r.headers).toMatchObject({ 'content-type': 'application/json', 'x-team': 'a' });
    expect(JSON.parse(r.body)).toEqual({
      ...withSource,
      name: undefined,
      eventTime: undefined,
      labels: undefined,
      source: undefined,
      timestamp: '2026-12-06T06:00:01Z',
      metadata: { env: 'prod', summary: 'prod', revision: `main@sha1:${sha}` },
    });
  });

  it('signs the exact body with HMAC-SHA256 of the token', () => {
    const r = request({ type: 'generic-hmac', token: 'k3y' });
    const expected = createHmac('sha256', 'k3y').update(r.body).digest('hex');
    expect(r.headers['x-signature']).toBe(`sha256=${expected}`);
    expect(signBody('k3y', 'hello')).toBe(
      `sha256=${createHmac('sha256', 'k3y').update('hello').digest('hex')}`,
    );
    expect(request({ type: 'generic' }).headers['x-signature']).toBeUndefined();
  });
});

describe('chat webhooks', () => {
  it('slack: an attachment coloured by severity, with channel and username', () => {
    const body = JSON.parse(request({ type: 'slack', channel: '#deploys', username: 'bot' }).body);
    expect(body).toMatchObject({ channel: '#deploys', username: 'bot' });
    expect(body.attachments[0]).toMatchObject({
      color: 'danger',
      author_name: 'Rollout/shop.web',
      text: withSource.message,
    });
    expect(body.attachments[0].fields).toContainEqual({
      title: 'revision',
      value: `main@sha1:${sha}`,
      short: false,
    });
  });

  it('discord and msteams: their own JSON', () => {
    expect(JSON.parse(request({ type: 'discord' }).body).embeds[0]).toMatchObject({
      description: withSource.message,
    });
    expect(JSON.parse(request({ type: 'msteams' }).body)).toMatchObject({
      '@type': 'MessageCard',
      summary: 'Rollout/shop.web',
    });
  });
});

describe('alertmanager', () => {
  it('posts one alert to /api/v2/alerts with labels and the message as annotation', () => {
    const r = request({ type: 'alertmanager', address: 'http://am:9093/' });
    expect(r.url).toBe('http://am:9093/api/v2/alerts');
    const [alert] = JSON.parse(r.body);
    expect(alert.labels).toMatchObject({
      alertname: 'SluiceRolloutRolloutAborted',
      severity: 'error',
      name: 'web',
    });
    expect(alert.annotations.message).toBe(withSource.message);
    expect(request({ type: 'alertmanager', address: 'http://am:9093/api/v2/alerts' }).url).toBe(
      'http://am:9093/api/v2/alerts',
    );
  });
});

describe('commit statuses', () => {
  it('github: POST /repos/{owner}/{repo}/statuses/{sha} on the API host, with the token', () => {
    const r = request({ type: 'github', address: 'https://github.com/acme/shop', token: 't0k' });
    expect(r.url).toBe(`https://api.github.com/repos/acme/shop/statuses/${sha}`);
    expect(r.headers.authorization).toBe('Bearer t0k');
    expect(JSON.parse(r.body)).toEqual({
      state: 'failure',
      context: 'sluice/shop',
      description: 'canary failed, error-rate = 0.3',
    });
  });

  it('github enterprise and a bare server address: the repository comes from the GitRepository URL', () => {
    const r = request({ type: 'github', address: 'http://127.0.0.1:9999', token: 't' });
    expect(r.url).toBe(`http://127.0.0.1:9999/api/v3/repos/acme/shop/statuses/${sha}`);
  });

  it('gitlab: POST /projects/{id}/statuses/{sha} with the path as id and PRIVATE-TOKEN', () => {
    const r = request({ type: 'gitlab', address: 'https://gitlab.example.com/group/sub/shop', token: 't' });
    expect(r.url).toBe(`https://gitlab.example.com/api/v4/projects/group%2Fsub%2Fshop/statuses/${sha}`);
    expect(r.headers['private-token']).toBe('t');
    expect(JSON.parse(r.body)).toMatchObject({ state: 'failed', name: 'sluice/shop' });
  });

  it('skips events that name no commit', () => {
    const r = buildRequest(
      { type: 'github', address: 'https://github.com/a/b', headers: {}, token: 't' },
      testEvent(),
      {},
      now,
    );
    expect(r).toEqual({ skipped: 'the event names no commit' });
  });

  it('reads the repository from every git URL form', () => {
    expect(repositoryPath('git@github.com:acme/shop.git')).toBe('acme/shop');
    expect(repositoryPath('ssh://git@host:22/acme/shop.git')).toBe('acme/shop');
    expect(repositoryPath('git://127.0.0.1:9418/acme/shop.git')).toBe('acme/shop');
    expect(repositoryPath('https://github.com')).toBeUndefined();
  });

  it('maps severity and reason to a state, and shortens descriptions', () => {
    expect(commitState({ severity: 'error', reason: 'RolloutAborted' })).toBe('failure');
    expect(commitState({ severity: 'info', reason: 'RolloutUpdated' })).toBe('pending');
    expect(commitState({ severity: 'info', reason: 'RolloutCompleted' })).toBe('success');
    expect(commitDescription({ reason: 'Synced', message: 'x'.repeat(300) })).toHaveLength(140);
    expect(
      commitDescription({
        reason: 'AnalysisRunError',
        message: 'pre-promotion analysis web-1-pre Error: metric "latency" error (no answer)',
      }),
    ).toBe('blue-green error, latency');
  });
});
