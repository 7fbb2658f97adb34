import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsFromSecretData, type GitAuthEnv, GitAuthError, gitAuthEnv, redact } from './auth.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const IDENTITY = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----';
const KNOWN_HOSTS =
  'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n';

/** The GIT_CONFIG_KEY_i/VALUE_i pairs of an environment, in order. */
function configPairs(env: Record<string, string>): [string, string][] {
  const n = Number(env.GIT_CONFIG_COUNT);
  return Array.from({ length: n }, (_, i) => [
    env[`GIT_CONFIG_KEY_${i}`] ?? '',
    env[`GIT_CONFIG_VALUE_${i}`] ?? '',
  ]);
}

/** The argument after `flag` in GIT_SSH_COMMAND. */
function sshArg(env: Record<string, string>, flag: string): string {
  const words = (env.GIT_SSH_COMMAND ?? '').split(' ');
  const i = words.indexOf(flag);
  expect(i).toBeGreaterThanOrEqual(0);
  return words[i + 1] ?? '';
}

describe('credentialsFromSecretData', () => {
  it("decodes Flux's keys from base64, known_hosts included", () => {
    expect(
      credentialsFromSecretData({
        username: b64('bot'),
        password: b64('s3cret'),
        bearerToken: b64('tok'),
        identity: b64(IDENTITY),
        known_hosts: b64(KNOWN_HOSTS),
        unrelated: b64('ignored'),
      }),
    ).toEqual({
      username: 'bot',
      password: 's3cret',
      bearerToken: 'tok',
      identity: IDENTITY,
      knownHosts: KNOWN_HOSTS,
    });
  });

  it('leaves out keys that are absent or empty', () => {
    expect(credentialsFromSecretData(undefined)).toEqual({});
    expect(credentialsFromSecretData({})).toEqual({});
    expect(credentialsFromSecretData({ username: '', password: b64('p') })).toEqual({ password: 'p' });
  });
});

describe('gitAuthEnv', () => {
  const opened: GitAuthEnv[] = [];
  const open = async (...args: Parameters<typeof gitAuthEnv>) => {
    const auth = await gitAuthEnv(...args);
    opened.push(auth);
    return auth;
  };
  afterEach(async () => {
    for (const a of opened.splice(0)) await a.cleanup();
  });

  it('never prompts, ignores the system config, and refuses file:// submodules without credentials', async () => {
    const { env } = await open('https://example.com/org/repo.git', undefined);
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(env.GIT_CONFIG_NOSYSTEM).toBe('1');
    expect(configPairs(env)).toEqual([['protocol.file.allow', 'never']]);
    expect(env.GIT_SSH_COMMAND).toBeUndefined();
  });

  it('refuses ssh without an identity', async () => {
    await expect(gitAuthEnv('ssh://git@example.com/org/repo.git', undefined)).rejects.toThrow(GitAuthError);
    await expect(gitAuthEnv('git@example.com:org/repo.git', { knownHosts: KNOWN_HOSTS })).rejects.toThrow(
      /identity/,
    );
  });

  it('refuses ssh without known_hosts: host keys are always checked', async () => {
    const err = await gitAuthEnv('ssh://git@example.com/org/repo.git', { identity: IDENTITY }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GitAuthError);
    expect((err as Error).message).toMatch(/known_hosts/);
  });

  it('writes the key and known_hosts to files only we can read, and checks host keys strictly', async () => {
    for (const url of ['ssh://git@example.com:2222/org/repo.git', 'git@example.com:org/repo.git']) {
      const { env } = await open(url, { identity: IDENTITY, knownHosts: KNOWN_HOSTS });
      const key = sshArg(env, '-i');
      const cmd = env.GIT_SSH_COMMAND ?? '';
      expect(cmd).toMatch(/^ssh /);
      expect(cmd).toContain('-o StrictHostKeyChecking=yes');
      expect(cmd).toContain('-o BatchMode=yes');
      expect(cmd).toContain('-F /dev/null');
      const hosts = /UserKnownHostsFile=(\S+)/.exec(cmd)?.[1] ?? '';
      expect(dirname(hosts)).toBe(dirname(key));
      expect(await readFile(key, 'utf8')).toBe(`${IDENTITY}\n`);
      expect(await readFile(hosts, 'utf8')).toBe(KNOWN_HOSTS);
      expect((await stat(key)).mode & 0o777).toBe(0o600);
      expect((await stat(hosts)).mode & 0o777).toBe(0o600);
      expect(cmd).not.toContain('OPENSSH PRIVATE KEY');
    }
  });

  it('cleanup removes the temporary directory', async () => {
    const auth = await gitAuthEnv('ssh://git@example.com/org/repo.git', {
      identity: IDENTITY,
      knownHosts: KNOWN_HOSTS,
    });
    const dir = dirname(sshArg(auth.env, '-i'));
    expect(existsSync(dir)).toBe(true);
    await auth.cleanup();
    expect(existsSync(dir)).toBe(false);
    await auth.cleanup();
  });

  it('sends https basic auth as a header through GIT_CONFIG_* variables', async () => {
    const { env } = await open('https://example.com/org/repo.git', { username: 'bot', password: 'hunter2' });
    expect(configPairs(env)).toEqual([
      ['protocol.file.allow', 'never'],
      ['http.extraHeader', `Authorization: Basic ${b64('bot:hunter2')}`],
    ]);
  });

  it('sends a bearer token in preference to basic auth, over http too', async () => {
    const { env } = await open('http://example.com:8080/org/repo.git', {
      username: 'bot',
      password: 'hunter2',
      bearerToken: 'tok-123',
    });
    expect(configPairs(env)).toEqual([
      ['protocol.file.allow', 'never'],
      ['http.extraHeader', 'Authorization: Bearer tok-123'],
    ]);
  });

  it('keeps credentials out of everything but the GIT_CONFIG_VALUE_* entries', async () => {
    const basic = await open('https://example.com/org/repo.git', { username: 'bot', password: 'hunter2' });
    const bearer = await open('https://example.com/org/repo.git', { bearerToken: 'tok-123' });
    for (const [env, secret] of [
      [basic.env, b64('bot:hunter2')],
      [bearer.env, 'tok-123'],
    ] as const) {
      for (const [k, v] of Object.entries(env)) {
        if (/^GIT_CONFIG_VALUE_\d+$/.test(k)) continue;
        expect(v, k).not.toContain(secret);
        expect(v, k).not.toContain('hunter2');
      }
      expect(env.GIT_SSH_COMMAND).toBeUndefined();
    }
  });

  it('ignores http credentials for ssh and ssh credentials for https', async () => {
    const https = await open('https://example.com/org/repo.git', {
      identity: IDENTITY,
      knownHosts: KNOWN_HOSTS,
    });
    expect(https.env.GIT_SSH_COMMAND).toBeUndefined();
    expect(configPairs(https.env)).toHaveLength(1);
    const ssh = await open('ssh://git@example.com/org/repo.git', {
      identity: IDENTITY,
      knownHosts: KNOWN_HOSTS,
      password: 'hunter2',
    });
    expect(configPairs(ssh.env)).toHaveLength(1);
    expect(JSON.stringify(ssh.env)).not.toContain('hunter2');
  });
});

describe('redact', () => {
  it('hides user and password in URLs', () => {
    expect(redact("fatal: unable to access 'https://bot:hunter2@example.com/org/repo.git/': 403")).toBe(
      "fatal: unable to access 'https://***@example.com/org/repo.git/': 403",
    );
    expect(redact('ssh://git@example.com/repo')).toBe('ssh://***@example.com/repo');
  });

  it('hides Authorization header values, whatever the scheme', () => {
    expect(redact('> Authorization: Basic Ym90Omh1bnRlcjI=')).toBe('> Authorization: Basic ***');
    expect(redact('authorization: bearer tok-123 trailing')).toBe('authorization: bearer *** trailing');
  });

  it('leaves text without credentials alone', () => {
    const text = "fatal: repository 'https://example.com/org/repo.git/' not found";
    expect(redact(text)).toBe(text);
  });
});
