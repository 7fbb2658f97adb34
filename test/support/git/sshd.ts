import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gitEnv } from './git-command.ts';
import { GitServerStartError, spawnServer, waitForTcp, withFreePort } from './process.ts';

const execFileAsync = promisify(execFile);

const SSHD_BIN = '/usr/sbin/sshd';
const SSH_KEYGEN_BIN = '/usr/bin/ssh-keygen';

interface SshdOptions {
  /** Directory for keys, config and pid file; a temp dir (removed by stop()) if omitted. */
  stateDir?: string;
  startTimeoutMs?: number;
}

export interface Sshd {
  readonly host: string;
  readonly port: number;
  /** The local user that logs in: whoever runs the tests (root in CI). */
  readonly user: string;
  /** ssh://<user>@127.0.0.1:<port><absolute repo path> */
  url(absoluteRepoPath: string): string;
  /** Client private key, OpenSSH format, authorized to log in. */
  readonly clientPrivateKey: string;
  readonly clientPrivateKeyPath: string;
  readonly clientPublicKey: string;
  /** Host public key, `ssh-ed25519 AAAA...`. */
  readonly hostPublicKey: string;
  /** `[127.0.0.1]:<port> ssh-ed25519 AAAA...` */
  readonly knownHostsLine: string;
  /** File holding knownHostsLine. */
  readonly knownHostsPath: string;
  /** GIT_SSH_COMMAND value using the client key and known_hosts with strict checking. */
  readonly sshCommand: string;
  /** sshd's recent log output. */
  logs(): string;
  stop(): Promise<void>;
}

/** Quotes for the POSIX shell that git runs GIT_SSH_COMMAND through. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * Builds a GIT_SSH_COMMAND that uses only the given key and known_hosts file, verifies the
 * host key strictly and never prompts; -F /dev/null keeps the user's ~/.ssh/config out.
 */
export function sshCommand(opts: { keyPath: string; knownHostsPath: string }): string {
  return [
    'ssh',
    '-F',
    '/dev/null',
    '-i',
    shellQuote(opts.keyPath),
    '-o',
    shellQuote(`UserKnownHostsFile=${opts.knownHostsPath}`),
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
  ].join(' ');
}

/** Generates an unencrypted ed25519 key pair at `path` and `path.pub`; returns both texts. */
export async function generateEd25519Key(
  path: string,
  comment: string,
): Promise<{ privateKey: string; publicKey: string }> {
  try {
    await execFileAsync(SSH_KEYGEN_BIN, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], {
      env: gitEnv(),
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new GitServerStartError('ssh-keygen', `cannot generate a key at ${path}`, {
      stderrTail: stderr,
      cause: err,
    });
  }
  const [privateKey, publicKey] = await Promise.all([
    readFile(path, 'utf8'),
    readFile(`${path}.pub`, 'utf8'),
  ]);
  return { privateKey, publicKey: publicKey.trim() };
}

/** Drops the comment: `ssh-ed25519 AAAA... comment` → `ssh-ed25519 AAAA...`. */
function keyWithoutComment(publicKey: string): string {
  return publicKey.split(/\s+/).slice(0, 2).join(' ');
}

function sshdConfig(o: { port: number; dir: string; user: string; root: boolean }): string {
  return [
    `Port ${o.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(o.dir, 'host_ed25519')}`,
    `PidFile ${join(o.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(o.dir, 'authorized_keys')}`,
    `AllowUsers ${o.user}`,
    // Key auth only, no PAM: works unprivileged and needs no system account setup.
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // The temp dir's modes are not what sshd expects of a home directory.
    'StrictModes no',
    o.root ? 'PermitRootLogin prohibit-password' : 'PermitRootLogin no',
    // Lets git use protocol v2 over ssh.
    'AcceptEnv GIT_PROTOCOL',
    // Debian's bash sources ~/.bashrc for commands run by sshd, but only in a top-level shell;
    // a developer's slow or chatty .bashrc would otherwise run on every git connection.
    'SetEnv SHLVL=1',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'AllowAgentForwarding no',
    'PermitTunnel no',
    'LogLevel INFO',
    '',
  ].join('\n');
}

/**
 * Starts sshd in the foreground on a free loopback port with its own config and keys, so
 * that git can fetch and push over ssh:// as the current user.
 */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD_BIN)) {
    throw new GitServerStartError('sshd', `${SSHD_BIN} not found; install the openssh-server package`);
  }
  const ownDir = opts.stateDir === undefined;
  const dir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'sluice-sshd-')));
  try {
    const info = userInfo();
    const root = info.uid === 0;
    // sshd refuses to start as root without its privilege separation directory.
    if (root) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const [, client] = await Promise.all([
      generateEd25519Key(join(dir, 'host_ed25519'), 'sluice-test-host'),
      generateEd25519Key(join(dir, 'client_ed25519'), 'sluice-test-client'),
    ]);
    const hostPublicKey = keyWithoutComment(await readFile(join(dir, 'host_ed25519.pub'), 'utf8'));
    // `restrict` turns off forwarding and ptys for this key; running git commands still works.
    await writeFile(join(dir, 'authorized_keys'), `restrict ${client.publicKey}\n`, { mode: 0o600 });
    const configPath = join(dir, 'sshd_config');
    const clientPrivateKeyPath = join(dir, 'client_ed25519');
    const knownHostsPath = join(dir, 'known_hosts');
    const timeoutMs = opts.startTimeoutMs ?? 10_000;

    return await withFreePort(async (port) => {
      await writeFile(configPath, sshdConfig({ port, dir, user: info.username, root }), { mode: 0o600 });
      const knownHostsLine = `[127.0.0.1]:${port} ${hostPublicKey}`;
      await writeFile(knownHostsPath, `${knownHostsLine}\n`, { mode: 0o600 });
      // sshd re-executes itself, so it must be started by absolute path.
      const proc = spawnServer('sshd', SSHD_BIN, ['-D', '-e', '-f', configPath], { env: gitEnv(), cwd: dir });
      try {
        await waitForTcp(proc, port, { timeoutMs });
      } catch (err) {
        await proc.stop();
        throw err;
      }
      const stop = async (): Promise<void> => {
        await proc.stop();
        if (ownDir) await rm(dir, { recursive: true, force: true });
      };
      return {
        host: '127.0.0.1',
        port,
        user: info.username,
        url: (repoPath: string) => {
          if (!repoPath.startsWith('/')) throw new Error(`ssh repo path must be absolute: ${repoPath}`);
          return `ssh://${info.username}@127.0.0.1:${port}${repoPath}`;
        },
        clientPrivateKey: client.privateKey,
        clientPrivateKeyPath,
        clientPublicKey: client.publicKey,
        hostPublicKey,
        knownHostsLine,
        knownHostsPath,
        sshCommand: sshCommand({ keyPath: clientPrivateKeyPath, knownHostsPath }),
        logs: () => proc.output(),
        stop,
      };
    });
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
