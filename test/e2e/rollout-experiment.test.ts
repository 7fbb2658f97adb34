// Experiments on the test control plane: ReplicaSets whose pods kwok makes ready, AnalysisRuns
// whose measurements are Jobs (the `job` provider; kwok completes a Job's pod, or fails it when
// annotated `sluice.dev/test-fault: Error`). A canary's experiment step runs the stable version
// as a baseline beside the canary, under pod-template-hashes of their own, and hands both hashes
// to the analysis, which could query each one's pods (here the Job carries them, and the test
// finds each version's pods by them); the Experiment's outcome promotes or aborts the update.

import { describe, expect, it } from 'vitest';
import {
  type AnalysisRun,
  analysisRunResource,
  analysisTemplateResource,
} from '../../controller/api/analysis.ts';
import { type Experiment, experimentResource } from '../../controller/api/experiment.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { eventually } from '../support/cluster.ts';
import { sluice } from '../support/kubectl-sluice.ts';
import { POD_TEMPLATE_HASH_LABEL, rolloutSuite, SLOW, smokeJob, smokeVersion } from '../support/rollouts.ts';

const { cluster, ro } = rolloutSuite('rollout-experiment', {
  // The comparison: a Job handed the baseline's and the canary's pod-template-hashes.
  setup: async ({ cluster, ro: { ns } }) => {
    await cluster.api.create(analysisTemplateResource, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'compare', namespace: ns },
      spec: {
        args: [
          { name: 'baseline-hash' },
          { name: 'canary-hash' },
          { name: 'stable-hash' },
          { name: 'fault', value: 'pass' },
        ],
        metrics: [
          {
            name: 'compare',
            provider: smokeJob({
              labels: { 'baseline-hash': '{{args.baseline-hash}}', 'canary-hash': '{{args.canary-hash}}' },
              annotations: { 'stable-hash': '{{args.stable-hash}}' },
            }),
          },
        ],
      },
    });
  },
});

const experiment = (name: string) => cluster.api.get<Experiment>(experimentResource, ro.ns, name);
const waitForExperiment = (name: string, check: (e: Experiment) => void) =>
  eventually(async () => {
    const e = await experiment(name);
    check(e);
    return e;
  }, 120_000);
const replicaSet = (name: string) => cluster.api.get<ReplicaSet>(core.replicaSets, ro.ns, name);
const podsWithHash = async (hash: string) =>
  (
    await cluster.api.list<KubeObject>(core.pods, ro.ns, {
      labelSelector: `${POD_TEMPLATE_HASH_LABEL}=${hash}`,
    })
  ).items;

const imageIn = (rs: ReplicaSet) =>
  (rs.spec.template.spec as { containers: { image: string }[] }).containers[0]?.image;

describe('Experiment', () => {
  it(
    'runs its templates for the duration once available, then scales them to zero',
    async () => {
      await cluster.api.create(experimentResource, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'Experiment',
        metadata: { name: 'timed', namespace: ro.ns },
        spec: {
          duration: '3s',
          templates: [
            {
              name: 'a',
              replicas: 2,
              selector: { matchLabels: { app: 'timed' } },
              template: {
                metadata: { labels: { app: 'timed' } },
                spec: { containers: [{ name: 'app', image: 'example.invalid/timed:1' }] },
              },
            },
          ],
        },
      });
      const running = await waitForExperiment('timed', (e) => expect(e.status?.phase).toBe('Running'));
      expect(running.status?.availableAt).toBeDefined();
      const hash = running.status?.templateStatuses?.[0]?.podTemplateHash as string;
      expect(running.status?.templateStatuses?.[0]).toMatchObject({
        name: 'a',
        status: 'Running',
        availableReplicas: 2,
      });
      expect(await podsWithHash(hash)).toHaveLength(2);

      const done = await waitForExperiment('timed', (e) => expect(e.status?.phase).toBe('Successful'));
      expect(done.status?.message).toBe('ran for 3s');
      // The duration counts from when every template was available.
      expect(
        Date.parse(done.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? ''),
      ).toBeGreaterThanOrEqual(Date.parse(running.status?.availableAt as string) + 3000 - 1000);
      await eventually(async () => expect((await replicaSet('timed-a')).spec.replicas).toBe(0));
    },
    SLOW,
  );

  it(
    'gives a template with service a Service selecting its pods while it runs, and deletes it after',
    async () => {
      await cluster.api.create(experimentResource, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'Experiment',
        metadata: { name: 'svc', namespace: ro.ns },
        spec: {
          templates: [
            {
              name: 'a',
              service: {},
              selector: { matchLabels: { app: 'svc' } },
              template: {
                metadata: { labels: { app: 'svc' } },
                spec: {
                  containers: [
                    { name: 'app', image: 'example.invalid/svc:1', ports: [{ containerPort: 8080 }] },
                  ],
                },
              },
            },
          ],
        },
      });
      const running = await waitForExperiment('svc', (e) => {
        expect(e.status?.phase).toBe('Running');
        expect(e.status?.templateStatuses?.[0]?.serviceName).toBe('svc-a');
      });
      const hash = running.status?.templateStatuses?.[0]?.podTemplateHash;
      const svc = await cluster.api.get<KubeObject & { spec: Record<string, unknown> }>(
        core.services,
        ro.ns,
        'svc-a',
      );
      expect(svc.spec).toMatchObject({
        selector: { app: 'svc', [POD_TEMPLATE_HASH_LABEL]: hash },
        ports: [{ port: 8080, targetPort: 8080, protocol: 'TCP' }],
      });
      expect(svc.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Experiment', name: 'svc' });

      await cluster.api.mergePatch(experimentResource, ro.ns, 'svc', { spec: { terminate: true } });
      await waitForExperiment('svc', (e) => {
        expect(e.status?.phase).toBe('Successful');
        expect(e.status?.templateStatuses?.[0]?.serviceName).toBeUndefined();
      });
      expect(await cluster.api.getOrUndefined(core.services, ro.ns, 'svc-a')).toBeUndefined();
    },
    SLOW,
  );

  it(
    'with scaleDownDelaySeconds, keeps its templates running that long after it finished',
    async () => {
      await cluster.api.create(experimentResource, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'Experiment',
        metadata: { name: 'linger', namespace: ro.ns },
        spec: {
          duration: '1s',
          scaleDownDelaySeconds: 20,
          templates: [
            {
              name: 'a',
              selector: { matchLabels: { app: 'linger' } },
              template: {
                metadata: { labels: { app: 'linger' } },
                spec: { containers: [{ name: 'app', image: 'example.invalid/linger:1' }] },
              },
            },
          ],
        },
      });
      const done = await waitForExperiment('linger', (e) => expect(e.status?.phase).toBe('Successful'));
      const finishedAt = Date.parse(done.status?.finishedAt ?? '');
      expect(finishedAt).toBeGreaterThan(0);
      // Seen at zero no earlier than the delay after the verdict (a lower bound, so load cannot fail it).
      const down = await eventually(async () => {
        const now = await replicaSet('linger-a');
        expect(now.spec.replicas).toBe(0);
        return Date.now();
      }, 120_000);
      expect(down).toBeGreaterThanOrEqual(finishedAt + 20_000 - 2_000);
    },
    SLOW,
  );

  it(
    'with dryRun, a failing metric is recorded in its AnalysisRun but the Experiment succeeds',
    async () => {
      await cluster.api.create(experimentResource, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'Experiment',
        metadata: { name: 'dry', namespace: ro.ns },
        spec: {
          templates: [
            {
              name: 'a',
              selector: { matchLabels: { app: 'dry' } },
              template: {
                metadata: { labels: { app: 'dry' } },
                spec: { containers: [{ name: 'app', image: 'example.invalid/dry:1' }] },
              },
            },
          ],
          analyses: [
            {
              name: 'check',
              templateName: 'compare',
              requiredForCompletion: true,
              args: [
                { name: 'baseline-hash', value: '{{templates.a.podTemplateHash}}' },
                { name: 'canary-hash', value: '{{templates.a.podTemplateHash}}' },
                { name: 'stable-hash', value: 'none' },
                { name: 'fault', value: 'Error' },
              ],
            },
          ],
          dryRun: [{ metricName: 'compare' }],
          measurementRetention: [{ metricName: 'compare', limit: 1 }],
        },
      });
      const done = await waitForExperiment('dry', (e) => expect(e.status?.phase).toBe('Successful'));
      expect(done.status?.message).toBe('every analysis required for completion succeeded');
      const run = await cluster.api.get<AnalysisRun>(analysisRunResource, ro.ns, 'dry-check');
      expect(run.spec.measurementRetention).toEqual([{ metricName: 'compare', limit: 1 }]);
      expect(run.status?.phase).toBe('Successful');
      expect(run.status?.metricResults?.[0]).toMatchObject({
        name: 'compare',
        phase: 'Failed',
        dryRun: true,
      });
    },
    SLOW,
  );
});

describe('Rollout with an experiment step', () => {
  it(
    'runs baseline and canary side by side, compares them by pod-template-hash, promotes on success and aborts on failure',
    async () => {
      await ro.create('web', {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: smokeVersion('pass', '1'),
        strategy: {
          canary: {
            steps: [
              { setWeight: 50 },
              {
                experiment: {
                  templates: [
                    { name: 'baseline', specRef: 'stable', metadata: { labels: { role: 'baseline' } } },
                    { name: 'canary', specRef: 'canary', metadata: { labels: { role: 'canary' } } },
                  ],
                  analyses: [
                    {
                      name: 'compare',
                      templateName: 'compare',
                      requiredForCompletion: true,
                      args: [
                        { name: 'baseline-hash', value: '{{templates.baseline.podTemplateHash}}' },
                        { name: 'canary-hash', value: '{{templates.canary.podTemplateHash}}' },
                        { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
                        {
                          name: 'fault',
                          valueFrom: { fieldRef: { fieldPath: "spec.template.metadata.labels['smoke']" } },
                        },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        },
      });
      const v1 = await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Healthy'));
      const h1 = v1.status?.stableRS as string;

      await ro.setTemplate('web', smokeVersion('pass', '2'));
      const promoted = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).not.toBe(h1);
      });
      const h2 = promoted.status?.stableRS as string;
      const passed = await experiment(`web-${h2}-1-exp`);
      expect(passed.status?.phase).toBe('Successful');
      expect(passed.status?.analysisRuns).toEqual([
        expect.objectContaining({
          name: 'compare',
          analysisRun: `web-${h2}-1-exp-compare`,
          phase: 'Successful',
        }),
      ]);
      // The analysis was handed the Experiment's own hashes, and the Rollout's stable one.
      const run = await cluster.api.get<AnalysisRun>(analysisRunResource, ro.ns, `web-${h2}-1-exp-compare`);
      const args = Object.fromEntries((run.spec.args ?? []).map((a) => [a.name, a.value]));
      const byName = Object.fromEntries(
        (passed.status?.templateStatuses ?? []).map((t) => [t.name, t.podTemplateHash]),
      );
      expect(args).toEqual({
        'baseline-hash': byName.baseline,
        'canary-hash': byName.canary,
        'stable-hash': h1,
        fault: 'pass',
      });
      expect(byName.baseline).not.toBe(byName.canary);
      expect([byName.baseline, byName.canary]).not.toContain(h1);
      expect([byName.baseline, byName.canary]).not.toContain(h2);
      // By those hashes, a query finds the baseline's pods (the old version) and the canary's (the new one).
      const [job] = (
        await cluster.api.list<KubeObject>(core.jobs, ro.ns, {
          labelSelector: `canary-hash=${byName.canary}`,
        })
      ).items;
      expect(job?.metadata.labels?.['baseline-hash']).toBe(byName.baseline);
      expect(job?.metadata.annotations?.['stable-hash']).toBe(h1);
      // Once finished the templates are scaled to zero; while it ran each had its pod of its version.
      await eventually(async () => {
        expect((await replicaSet(`web-${h2}-1-exp-baseline`)).spec.replicas).toBe(0);
        expect((await replicaSet(`web-${h2}-1-exp-canary`)).spec.replicas).toBe(0);
      });
      const baselineRS = await replicaSet(`web-${h2}-1-exp-baseline`);
      expect(baselineRS.spec.template.metadata?.labels).toMatchObject({
        role: 'baseline',
        [POD_TEMPLATE_HASH_LABEL]: byName.baseline,
      });
      expect(imageIn(baselineRS)).toBe('example.invalid/web:1');
      const canaryRS = await replicaSet(`web-${h2}-1-exp-canary`);
      expect(imageIn(canaryRS)).toBe('example.invalid/web:2');

      // A version whose comparison fails: the Experiment fails and the update is aborted.
      await ro.setTemplate('web', smokeVersion('Error', '3'));
      const aborted = await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(aborted.status?.stableRS).toBe(h2);
      const h3 = aborted.status?.currentPodHash as string;
      const failed = await experiment(`web-${h3}-1-exp`);
      expect(failed.status?.phase).toBe('Failed');
      expect(failed.status?.message).toContain('analysis "compare"');
      expect(aborted.status?.message).toContain(`Experiment web-${h3}-1-exp Failed`);
      await eventually(async () => {
        const canaryPods = await podsWithHash(
          failed.status?.templateStatuses?.find((t) => t.name === 'canary')?.podTemplateHash as string,
        );
        expect(canaryPods.filter((p) => !p.metadata.deletionTimestamp)).toEqual([]);
      });
      // kubectl sluice get rollout shows both Experiments, with their templates and runs.
      const got = await sluice(cluster, ['get', 'rollout', 'web', '-n', ro.ns]);
      expect(got.code).toBe(0);
      expect(got.stdout).toMatch(new RegExp(`web-${h3}-1-exp\\s+Experiment\\s+Failed`));
      expect(got.stdout).toMatch(new RegExp(`web-${h2}-1-exp\\s+Experiment\\s+Successful`));
      expect(got.stdout).toMatch(new RegExp(`web-${h2}-1-exp-compare\\s+AnalysisRun\\s+Successful`));
      await eventually(async () => {
        const reasons = (await ro.events('web')).map((e) => e.reason);
        expect(reasons).toEqual(
          expect.arrayContaining(['ExperimentCreated', 'ExperimentSuccessful', 'ExperimentFailed']),
        );
      });
    },
    SLOW,
  );
});
