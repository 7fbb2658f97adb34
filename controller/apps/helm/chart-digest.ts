import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isWithin } from '../safe-path.ts';
import { HelmRenderError } from './helm-errors.ts';

/** Largest chart, all files counted: charts of thousands of objects stay well below. */
const MAX_CHART_BYTES = 32 << 20;

/**
 * A digest of every file under a chart directory (names and contents). helm follows
 * symlinks when it loads a chart, and `.Files.Get` would hand a template whatever one points
 * at: a link leaving `within` (the repository) is refused here, before helm runs.
 */
export async function treeDigest(dir: string, within: string, chart: string): Promise<string> {
  const hash = createHash('sha256');
  const realWithin = await realpath(within);
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const full = join(d, e.name);
      const real = await realpath(full).catch(() => undefined);
      if (!real || !isWithin(realWithin, real))
        throw new HelmRenderError(chart, `${relative(dir, full)}: symlink points outside the repository`);
      const info = await stat(real);
      if (info.isDirectory()) {
        if (isWithin(real, await realpath(d)))
          throw new HelmRenderError(chart, `${relative(dir, full)}: symlink makes a loop`);
        await walk(full);
      } else if (info.isFile()) {
        total += info.size;
        if (total > MAX_CHART_BYTES)
          throw new HelmRenderError(chart, `chart files add up to more than ${MAX_CHART_BYTES} bytes`);
        hash
          .update(relative(dir, full))
          .update('\0')
          .update(await readFile(real))
          .update('\0');
      }
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

export async function fileDigest(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}
