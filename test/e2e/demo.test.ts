// `npm run demo` as CI runs it: demo/main.ts in its own process with --non-interactive. It
// starts its own control plane, Prometheus, git daemon and controller (not the shared control
// plane of the other end-to-end tests), pushes a good and a bad version, and must report the
// promotion of the first and the rollback of the second, then remove everything it made.

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../control-plane/control-plane.ts';

const TIMEOUT_MS = 8 * 60_000;

// The demo's TMPDIR, its own: another run of the suite on the machine has demos of its own.
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'sluice-demo-test-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function demoDirs(): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => name.startsWith('sluice-demo-'));
}

function runDemo(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'demo/main.ts'), '--non-interactive'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // SIGINT, as Ctrl-C would: the demo then removes what it started.
    const timer = setTimeout(() => child.kill('SIGINT'), TIMEOUT_MS - 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run demo', () => {
  it(
    'promotes the healthy version, rolls back the bad one by its analysis, and cleans up',
    async () => {
      const { code, output } = await runDemo();
      const tail = output.split('\n').slice(-60).join('\n');

      expect(code, tail).toBe(0);
      expect(output).toMatch(/✔ v1 is the stable version/);
      expect(output).toMatch(/✔ v2 promoted: its analysis passed/);
      expect(output).toMatch(/measure demo-\w+-\d+ error-rate #1 = 0\.000 .*→ Successful/);
      expect(output).toMatch(/✔ v3-bad rolled back by its analysis .*RolloutAborted/);
      expect(output).toMatch(/measure demo-\w+-\d+ error-rate #\d = 0\.[23]\d\d .*→ Failed/);
      expect(output).toMatch(/Application demo\/demo health: Degraded — Rollout demo\/demo/);
      // The Application's line names the revision serving, and the trail tells v3-bad's way.
      expect(output).toMatch(
        /Application demo\/demo: Ready True — applied revision: (main@sha1:\w+); serving revision (main@sha1:\w+) \(\1 was rolled back\)/,
      );
      expect(output).toMatch(/\$ kubectl sluice trail demo -n demo/);
      expect(output).toMatch(/measurement +AnalysisRun\/demo-\w+-\d+ +error-rate = .*: Failed/);
      expect(output).toMatch(
        /Verdict: RolledBack: revision main@sha1:\w+ was rolled back by Rollout demo: .*serving revision main@sha1:\w+/,
      );
      // The verdict reached the commit itself through the `github` Provider.
      expect(output).toMatch(
        /commit status on acme\/demo@\w{7} \(GitHub's API on loopback\): failure sluice\/demo: canary failed, error-rate = 0\.[23]/,
      );
      expect(output).toMatch(/Both outcomes as expected/);
      expect(output).toMatch(/stopped; every process and temporary directory is gone/);

      const timing =
        /first promotion ([\d.]+)s after the control plane was up \(([\d.]+)s after the demo started\)/.exec(
          output,
        );
      expect(timing, tail).not.toBeNull();
      process.stdout.write(
        `[demo] first promotion ${timing?.[1]}s after the control plane was up, ${timing?.[2]}s after the demo started\n`,
      );

      expect(await demoDirs(), 'temporary directories the demo left behind').toEqual([]);
    },
    TIMEOUT_MS,
  );
});
