import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactCredentials } from '../../observability/redact.ts';

export class GitAuthError extends Error {
  override readonly name = 'GitAuthError';
}

/** The keys Flux uses in a GitRepository's Secret. */
export interface GitCredentials {
  username?: string;
  password?: string;
  bearerToken?: string;
  identity?: string;
  knownHosts?: string;
}

export function credentialsFromSecretData(data: Record<string, string> | undefined): GitCredentials {
  const get = (k: string) => (data?.[k] ? Buffer.from(data[k], 'base64').toString('utf8') : undefined);
  const creds: GitCredentials = {};
  const username = get('username');
  const password = get('password');
  const bearerToken = get('bearerToken');
  const identity = get('identity');
  const knownHosts = get('known_hosts');
  if (username !== undefined) creds.username = username;
  if (password !== undefined) creds.password = password;
  if (bearerToken !== undefined) creds.bearerToken = bearerToken;
  if (identity !== undefined) creds.identity = identity;
  if (knownHosts !== undefined) creds.knownHosts = knownHosts;
  return creds;
}

export interface GitAuthEnv {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * Environment for one git invocation. Credentials go through GIT_CONFIG_* variables and
 * files readable only by us, never the command line, where other processes could read
 * them. SSH always checks the host key: without known_hosts there is no ssh fetch.
 */
export async function gitAuthEnv(url: string, creds: GitCredentials | undefined): Promise<GitAuthEnv> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
  const config: [string, string][] = [['protocol.file.allow', 'never']];
  let dir: string | undefined;
  const isSsh = /^ssh:\/\//.test(url) || /^[^/]+@[^/:]+:/.test(url);
  const isHttp = /^https?:\/\//.test(url);
  if (isSsh) {
    if (!creds?.identity) throw new GitAuthError('ssh URLs need a Secret with an "identity" private key');
    if (!creds.knownHosts) {
      throw new GitAuthError('ssh URLs need "known_hosts" in the Secret: host keys are always verified');
    }
    dir = await mkdtemp(join(tmpdir(), 'sluice-ssh-'));
    const key = join(dir, 'identity');
    const hosts = join(dir, 'known_hosts');
    await writeFile(key, creds.identity.endsWith('\n') ? creds.identity : `${creds.identity}\n`, {
      mode: 0o600,
    });
    await writeFile(hosts, creds.knownHosts, { mode: 0o600 });
    await chmod(key, 0o600);
    env.GIT_SSH_COMMAND = [
      'ssh',
      '-i',
      key,
      '-o',
      `UserKnownHostsFile=${hosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=15',
      '-F',
      '/dev/null',
    ].join(' ');
  } else if (isHttp && creds) {
    if (creds.bearerToken) {
      config.push(['http.extraHeader', `Authorization: Bearer ${creds.bearerToken}`]);
    } else if (creds.username !== undefined || creds.password !== undefined) {
      const basic = Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`).toString('base64');
      config.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
    }
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return {
    env,
    cleanup: async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Removes credentials from text git printed (URLs with user:pass@, auth headers). */
export const redact = redactCredentials;
