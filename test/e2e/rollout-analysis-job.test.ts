// A canary judged by the `job` metric provider: each measurement is a Job the AnalysisRun
// controller creates, and the real job controller of the test control plane decides it. Under
// kwok a Job's pod completes on its own (the `pod-complete` stage), so the Job completes; a pod
// annotated `sluice.dev/test-fault: Error` exits 1 instead, and with `backoffLimit: 0` the Job
// fails. Which of the two a version gets is its pod template label `smoke`, passed to the
// template through a fieldRef argument.

import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AnalysisRun,
  analysisRunResource,
  analysisTemplateResource,
} from '../../controller/api/analysis.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { measurements } from '../support/analysis-runs.ts';
import { eventually } from '../support/cluster.ts';
import { rolloutSuite, SLOW, smokeJob, smokeVersion } from '../support/rollouts.ts';

const { cluster, ro } = rolloutSuite('rollout-analysis-job', {
  setup: async ({ cluster, ro }) => {
    await cluster.api.create(analysisTemplateResource, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'smoke-test', namespace: ro.ns },
      spec: {
        args: [{ name: 'fault' }],
        metrics: [
          {
            name: 'smoke',
            provider: smokeJob({ labels: { purpose: 'smoke' } }),
          },
        ],
      },
    });
    await ro.create('web', {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: smokeVersion('pass', '1'),
      strategy: {
        canary: {
          steps: [
            { setWeight: 50 },
            {
              analysis: {
                templates: [{ templateName: 'smoke-test' }],
                args: [
                  {
                    name: 'fault',
                    valueFrom: { fieldRef: { fieldPath: "spec.template.metadata.labels['smoke']" } },
                  },
                ],
              },
            },
          ],
        },
      },
    });
  },
});

beforeAll(() => ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Healthy')), SLOW);

async function deploy(smoke: 'pass' | 'Error', tag: string): Promise<void> {
  await ro.setTemplate('web', smokeVersion(smoke, tag));
}

const jobsOf = async (run: AnalysisRun) =>
  (await cluster.api.list<KubeObject>(core.jobs, ro.ns)).items.filter((job) =>
    job.metadata.ownerReferences?.some((ref) => ref.kind === 'AnalysisRun' && ref.uid === run.metadata.uid),
  );

describe('Rollout with a job analysis', () => {
  it(
    'promotes a version whose Job completes, and aborts one whose Job fails',
    async () => {
      const h1 = (await ro.get('web')).status?.stableRS as string;
      await deploy('pass', '2');
      const promoted = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).not.toBe(h1);
      });
      const h2 = promoted.status?.stableRS as string;
      const passed = await ro.waitForRun('web', (n) => n.startsWith(`web-${h2}-`));
      expect(passed.status?.phase).toBe('Successful');
      expect(measurements(passed).map((m) => m.phase)).toEqual(['Successful']);
      const jobName = measurements(passed)[0]?.metadata?.['job-name'];
      const [job] = await jobsOf(passed);
      expect(job?.metadata.name).toBe(jobName);
      expect(job?.metadata.labels).toMatchObject({ purpose: 'smoke', 'sluice.dev/metric-name': 'smoke' });
      expect(job?.status).toMatchObject({ succeeded: 1 });

      await deploy('Error', '3');
      const aborted = await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(aborted.status?.stableRS).toBe(h2);
      expect(aborted.status?.message).toContain('smoke');
      const h3 = aborted.status?.currentPodHash as string;
      const failed = await ro.waitForRun('web', (n) => n.startsWith(`web-${h3}-`));
      expect(failed.status?.phase).toBe('Failed');
      expect(measurements(failed)[0]).toMatchObject({ phase: 'Failed' });
      expect(measurements(failed)[0]?.message).toMatch(/^job .+ failed/);
      const [failedJob] = await jobsOf(failed);
      expect(failedJob?.status).toMatchObject({ failed: 1 });

      // Deleting a run deletes its Jobs (they are owned by it).
      await cluster.api.delete(analysisRunResource, ro.ns, passed.metadata.name);
      await eventually(async () => expect(await jobsOf(passed)).toEqual([]), 60_000);
    },
    SLOW,
  );

  it(
    'terminating a run deletes its running Job',
    async () => {
      await cluster.api.create(analysisRunResource, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'AnalysisRun',
        metadata: { name: 'long', namespace: ro.ns },
        spec: {
          metrics: [
            {
              name: 'wait',
              provider: {
                job: {
                  // A suspended Job has no pod: it runs until it is deleted.
                  spec: {
                    suspend: true,
                    template: {
                      spec: {
                        restartPolicy: 'Never',
                        containers: [{ name: 'w', image: 'example.invalid/w:1' }],
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      });
      await eventually(async () =>
        expect(await cluster.api.getOrUndefined(core.jobs, ro.ns, 'long-wait-1')).toBeDefined(),
      );
      await ro.kubectl(['patch', 'analysisrun', 'long', '--type=merge', '-p', '{"spec":{"terminate":true}}']);
      await eventually(async () => {
        const run = await cluster.api.get<AnalysisRun>(analysisRunResource, ro.ns, 'long');
        expect(run.status?.phase).toBe('Successful');
        expect(measurements(run)[0]?.message).toBe('metric terminated');
      });
      await eventually(async () => {
        const job = await cluster.api.getOrUndefined<KubeObject>(core.jobs, ro.ns, 'long-wait-1');
        expect(job === undefined || job.metadata.deletionTimestamp !== undefined).toBe(true);
      });
    },
    SLOW,
  );
});
