// What unit tests of rendering share: the pinned binaries, and repositories written from a
// map of files.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A binary the control-plane build pins (kustomize, helm): its script prints their directory. */
export function pinnedBinary(name: 'kustomize' | 'helm'): string {
  const script = fileURLToPath(new URL('../control-plane/build.sh', import.meta.url));
  const bin = execFileSync('bash', [script], { encoding: 'utf8' }).trim().split('\n').pop();
  return join(bin ?? '', name);
}

/** Writes files (path → content) into a new directory under `base` and returns it. */
export async function writeRepo(base: string, files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(base, 'repo-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}
