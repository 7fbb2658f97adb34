// `npm run faults`: runs every fault scenario (test/e2e/faults-*.test.ts, against the real
// control plane, git servers and Prometheus) and prints one table of what was done and
// what came of it, the kube-apiserver restarts (on a control plane of their own) included.
// Extra arguments go to vitest (e.g. a single file).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FaultRow, formatTable } from './faults.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'sluice-faults-'));
const table = join(dir, 'rows.jsonl');
const files = process.argv.slice(2);
const started = Date.now();
const result = spawnSync(
  join(root, 'node_modules/.bin/vitest'),
  ['run', '--project', 'e2e', ...(files.length > 0 ? files : ['test/e2e/faults-'])],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SLUICE_FAULTS_TABLE: table },
  },
);
let rows: FaultRow[] = [];
try {
  rows = readFileSync(table, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FaultRow);
} catch {
  // No scenario got as far as a result.
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `\nFault scenarios (${((Date.now() - started) / 1000).toFixed(0)} s)\n\n${formatTable(rows.sort((a, b) => a.scenario.localeCompare(b.scenario)))}\n`,
);
process.exit(result.status ?? 1);
