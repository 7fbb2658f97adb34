import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export class PathEscapeError extends Error {
  override readonly name = 'PathEscapeError';
}

/** True when `child` is `root` or below it. */
export function isWithin(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Resolves `path` inside `root`, following symlinks, and refuses anything that ends up
 * outside: `..` segments, absolute paths, and links pointing out of the repository.
 */
export async function resolveWithin(root: string, path: string): Promise<string> {
  const realRoot = await realpath(root);
  const target = resolve(realRoot, path.replace(/^\.?\/+/, ''));
  if (!isWithin(realRoot, target))
    throw new PathEscapeError(`path ${JSON.stringify(path)} leaves the repository`);
  let real: string;
  try {
    real = await realpath(target);
  } catch (err) {
    throw new PathEscapeError(`path ${JSON.stringify(path)} does not exist in the repository`, {
      cause: err,
    });
  }
  if (!isWithin(realRoot, real)) {
    throw new PathEscapeError(`path ${JSON.stringify(path)} is a link that leaves the repository`);
  }
  return real;
}
