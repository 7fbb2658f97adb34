// The demo's git repository: a bare repository served by a real `git daemon` on loopback, a
// work tree the demo pushes versions from with the real git client, and a post-receive hook
// that tells Sluice about every push.

import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBareRepo, type GitDaemon, startGitDaemon, WorkTree } from '../test/support/git/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const EXAMPLE_DIR = join(here, 'example');
/** Where the example lives in the demo repository; the Application's `path`. */
export const REPO_PATH = 'deploy';
/** The image of the example Rollout, without its tag. */
export const IMAGE = 'example.invalid/demo-app';
const EXAMPLE_PROMETHEUS = 'http://127.0.0.1:9090';

class ExampleError extends Error {
  override readonly name = 'ExampleError';
}

/** The example manifests for one version, as repository path → content. */
export async function renderExample(version: string, prometheusUrl: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(EXAMPLE_DIR)).filter((f) => f.endsWith('.yaml')).sort()) {
    let text = await readFile(join(EXAMPLE_DIR, name), 'utf8');
    text = text.replaceAll(`${IMAGE}:v1`, `${IMAGE}:${version}`);
    text = text.replaceAll(EXAMPLE_PROMETHEUS, prometheusUrl);
    files[`${REPO_PATH}/${name}`] = text;
  }
  const rollout = files[`${REPO_PATH}/rollout.yaml`];
  if (!rollout?.includes(`${IMAGE}:${version}`)) {
    throw new ExampleError(`${EXAMPLE_DIR}/rollout.yaml must contain the image ${IMAGE}:v1`);
  }
  return files;
}

export interface DemoRepo {
  /** git://127.0.0.1:<port>/demo.git */
  readonly url: string;
  readonly daemon: GitDaemon;
  /** Commits the example at `version` and pushes it; returns the commit SHA. */
  pushVersion(version: string, message: string): Promise<string>;
  /** Makes every push notify the controller's generic webhook receiver. */
  installHook(webhookUrl: string, secret: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemoRepo(rootDir: string, prometheusUrl: string): Promise<DemoRepo> {
  const baseDir = join(rootDir, 'repos');
  const bare = await createBareRepo(baseDir, 'demo.git');
  const daemon = await startGitDaemon({ baseDir });
  const url = daemon.url(bare.name);
  try {
    const work = await WorkTree.clone({ url }, { dir: join(rootDir, 'work') });
    await work.writeFiles({
      'README.md':
        '# Sluice demo application\n\n' +
        `\`${REPO_PATH}/\` is applied by the Application \`demo/demo\`. Change the image tag in\n` +
        `\`${REPO_PATH}/rollout.yaml\` and push: a tag containing "bad" answers 30% of requests with\n` +
        'HTTP 500 and is rolled back by its analysis; any other tag is promoted.\n',
    });
    return {
      url,
      daemon,
      pushVersion: async (version, message) =>
        work.commitAndPush(await renderExample(version, prometheusUrl), message, { url }),
      installHook: async (webhookUrl, secret) => {
        const hook = join(bare.path, 'hooks', 'post-receive');
        const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
        await writeFile(
          hook,
          '#!/bin/sh\n' +
            `export SLUICE_WEBHOOK_URL=${quote(`${webhookUrl}/hook/generic`)}\n` +
            `export SLUICE_WEBHOOK_SECRET=${quote(secret)}\n` +
            `export SLUICE_REPO_URL=${quote(url)}\n` +
            `exec ${quote(process.execPath)} ${quote(join(here, 'post-receive.ts'))}\n`,
        );
        await chmod(hook, 0o755);
      },
      stop: () => daemon.stop(),
    };
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}
