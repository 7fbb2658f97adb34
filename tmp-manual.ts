import { writeFileSync } from 'node:fs';
import { startGitServers } from './test/support/git/index.ts';
import { startController } from './test/support/controller-process.ts';
const kubeconfig = process.env.KUBECONFIG as string;
const git = await startGitServers();
const repo = await git.createRepo('apps.git');
const work = await git.workTree(repo);
await work.commitAndPush({ 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {color: blue}\n', 'app/gone.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone}\ndata: {a: "1"}\n' }, 'initial', repo.remote('git'));
const ctl = await startController({ kubeconfig, args: [`--cache-dir=${git.rootDir}/cache`], env: { PATH: `${process.env.BINDIR}:${process.env.PATH}` } });
writeFileSync('/tmp/manual.json', JSON.stringify({ url: repo.urls.git, work: git.rootDir }));
process.stdout.write(`ready ${repo.urls.git}\n`);
(globalThis as { work?: unknown }).work = work;
process.stdin.on('data', async (d) => {
  const [cmd, ...rest] = d.toString().trim().split(' ');
  if (cmd === 'push') { const sha = await work.commitAndPush(JSON.parse(rest.join(' ')), 'change', repo.remote('git')); process.stdout.write(`pushed ${sha}\n`); }
});
process.on('SIGTERM', async () => { await ctl.stop(); await git.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
