import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKindSchemas } from './crd-schemas.ts';
import { lintChart } from './lint-chart.ts';
import { formatDiagnostic } from './lint-text.ts';

const schemas = loadKindSchemas();
let helm: string;
let root: string;

beforeAll(async () => {
  const script = fileURLToPath(new URL('../../test/control-plane/build.sh', import.meta.url));
  const bin = execFileSync('bash', [script], { encoding: 'utf8' }).trim().split('\n').pop();
  helm = join(bin ?? '', 'helm');
  root = await mkdtemp(join(tmpdir(), 'sluice-lint-chart-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const rollout = (image: string) => `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata:
  name: {{ .Release.Name }}-web
spec:
  replica: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "${image}"}]}
  strategy:
    canary:
      steps:
        - setWeight: 120
`;

async function chart(name: string, template: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`);
  await writeFile(join(dir, 'values.yaml'), 'tag: "1"\n');
  await writeFile(join(dir, 'templates/rollout.yaml'), template);
  return dir;
}

describe('lintChart', () => {
  it('lints the rendered objects under the template they came from', async () => {
    const dir = await chart('good-render', rollout('x:{{ .Values.tag }}'));
    const result = await lintChart(dir, helm, schemas);
    expect(result.checked).toBe(1);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `${dir}/templates/rollout.yaml (rendered):6:3: spec.replica: unknown field "replica"`,
      `${dir}/templates/rollout.yaml (rendered):13:7: spec.strategy.canary.steps: setWeight must be at most trafficRouting.maxTrafficWeight (100 unless set)`,
    ]);
  });

  it("reports a chart that does not render at helm's file and line", async () => {
    const dir = await chart('bad-render', rollout('x:{{ .Values.tag.x.y }}'));
    const [d, ...more] = (await lintChart(dir, helm, schemas)).diagnostics;
    expect(more).toEqual([]);
    expect(d?.file).toBe(`${dir}/templates/rollout.yaml`);
    expect(d?.line).toBe(10);
    expect(d?.message).toMatch(
      /^Helm chart .*bad-render: bad-render\/templates\/rollout\.yaml:10:\d+ executing/,
    );
  });
});
