// Runs a process the way the Deployment runs the controller, without a container engine: in
// a private mount namespace where every mount is read-only but the given directories, as a
// numeric non-root uid with no capabilities and no_new_privs (readOnlyRootFilesystem,
// runAsUser, allowPrivilegeEscalation: false, capabilities drop ALL).

import { execFile } from 'node:child_process';
import { chmod, chown, copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface ReadOnlyRoot {
  /** Prefix for a command: `[...wrapper, command, ...args]`. */
  wrapper: string[];
  /** The uid the command runs as. */
  uid: number;
  /** A read-only directory on PATH holding copies of `binaries`. */
  binDir: string;
}

// Mount the writable dirs on themselves first, so they are mounts of their own that the
// loop below skips; then remount everything else read-only, deepest first.
const SCRIPT = `set -eu
IFS=:
for w in $SANDBOX_WRITABLE; do mount --bind "$w" "$w"; done
unset IFS
if [ -n "\${SANDBOX_PASSWD:-}" ]; then
  mount --bind "$SANDBOX_PASSWD" /etc/passwd
  mount --bind "$SANDBOX_GROUP" /etc/group
fi
awk '{ print $2 }' /proc/self/mounts | sort -r -u | while read -r m; do
  case ":$SANDBOX_WRITABLE:" in *":$m:"*) continue ;; esac
  case "$m" in /proc | /proc/* | /sys | /sys/*) continue ;; esac
  mount -o remount,bind,ro "$m"
done
unset SANDBOX_WRITABLE SANDBOX_PASSWD SANDBOX_GROUP
exec setpriv --reuid="$SANDBOX_UID" --regid="$SANDBOX_UID" --clear-groups --inh-caps=-all --no-new-privs -- "$@"`;

/**
 * Needs root (to enter a mount namespace and switch uid), as a container runtime does.
 * `passwdUser` adds that uid to /etc/passwd as the image does (see the Dockerfile); without
 * it the uid has no entry. `binaries` are copied into a directory every uid can read.
 */
export async function readOnlyRoot(opts: {
  writable: string[];
  uid: number;
  passwdUser?: { name: string; home: string };
  binaries?: string[];
}): Promise<ReadOnlyRoot> {
  if (process.getuid?.() !== 0) throw new Error('a read-only root sandbox needs root (unshare -m, setpriv)');
  const dir = await mkdtemp(join(tmpdir(), 'sluice-ro-root-'));
  const binDir = join(dir, 'bin');
  await run('mkdir', ['-p', binDir]);
  for (const b of opts.binaries ?? []) {
    const target = join(binDir, b.split('/').at(-1) ?? b);
    await copyFile(b, target);
    await chmod(target, 0o755);
  }
  await chmod(dir, 0o755);
  await chmod(binDir, 0o755);
  for (const w of opts.writable) await chown(w, opts.uid, opts.uid);
  const env: string[] = [`SANDBOX_WRITABLE=${opts.writable.join(':')}`, `SANDBOX_UID=${opts.uid}`];
  if (opts.passwdUser) {
    const { name, home } = opts.passwdUser;
    const passwd = join(dir, 'passwd');
    const group = join(dir, 'group');
    await writeFile(
      passwd,
      `${await readFile('/etc/passwd', 'utf8')}${name}:x:${opts.uid}:${opts.uid}::${home}:/usr/sbin/nologin\n`,
    );
    await writeFile(group, `${await readFile('/etc/group', 'utf8')}${name}:x:${opts.uid}:\n`);
    await chmod(passwd, 0o644);
    await chmod(group, 0o644);
    env.push(`SANDBOX_PASSWD=${passwd}`, `SANDBOX_GROUP=${group}`);
  }
  return {
    wrapper: [
      'env',
      ...env,
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      SCRIPT,
      'sandbox',
    ],
    uid: opts.uid,
    binDir,
  };
}
