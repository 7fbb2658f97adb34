// Helpers for end-to-end tests of Rollouts: objects to start from, operations done the way a
// person does them (kubectl patches of spec and status), and waits on observable state.

import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  type AnalysisPhase,
  type AnalysisRun,
  analysisRunResource,
  analysisTemplateResource,
} from '../../controller/api/analysis.ts';
import type { Rollout, RolloutSpec } from '../../controller/api/rollout.ts';
import { rolloutResource } from '../../controller/api/rollout.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../../controller/rollouts/labels.ts';
import { createNamespace, deleteNamespace, eventually, type TestCluster, testCluster } from './cluster.ts';
import { type ControllerProcess, startController } from './controller-process.ts';

export { POD_TEMPLATE_HASH_LABEL };

export interface ReplicaSetLike extends KubeObject {
  spec: { replicas?: number };
  status?: { replicas?: number; availableReplicas?: number; readyReplicas?: number };
}

export interface ServiceLike extends KubeObject {
  spec: { selector?: Record<string, string> };
}

export function template(app: string, image: string): NonNullable<RolloutSpec['template']> {
  return {
    metadata: { labels: { app } },
    spec: { containers: [{ name: 'app', image }] },
  };
}

export function service(ns: string, name: string, app: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
  };
}

export class RolloutDriver {
  readonly cluster: TestCluster;
  /** Set once the suite's namespace exists. */
  ns: string;

  constructor(cluster: TestCluster, ns: string) {
    this.cluster = cluster;
    this.ns = ns;
  }

  get(name: string): Promise<Rollout> {
    return this.cluster.api.get<Rollout>(rolloutResource, this.ns, name);
  }

  create(name: string, spec: RolloutSpec): Promise<Rollout> {
    return this.cluster.api.create<Rollout>(rolloutResource, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Rollout',
      metadata: { name, namespace: this.ns },
      spec,
    });
  }

  /**
   * A routed canary `name` (image `example.invalid/<name>:1`, app label `name`) with its
   * `<name>-stable` and `<name>-canary` Services, created first. Without `trafficRouting`, the
   * weight is the share of pods.
   */
  async createRouted(
    name: string,
    trafficRouting: object | undefined,
    steps: NonNullable<NonNullable<RolloutSpec['strategy']['canary']>['steps']>,
    replicas = 1,
  ): Promise<Rollout> {
    for (const svc of [`${name}-stable`, `${name}-canary`]) {
      await this.cluster.api.create(core.services, service(this.ns, svc, name));
    }
    return this.create(name, {
      replicas,
      selector: { matchLabels: { app: name } },
      template: template(name, `example.invalid/${name}:1`),
      strategy: {
        canary: {
          stableService: `${name}-stable`,
          canaryService: `${name}-canary`,
          ...(trafficRouting ? { trafficRouting } : {}),
          steps,
        },
      },
    });
  }

  /** `kubectl set image`-like change of the only container's image: a new version. */
  async setImage(name: string, image: string): Promise<void> {
    await this.kubectl([
      'patch',
      'rollout',
      name,
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }]),
    ]);
  }

  /** A new pod template as a whole: a new version (labels included). */
  async setTemplate(name: string, template: NonNullable<RolloutSpec['template']>): Promise<void> {
    await this.kubectl([
      'patch',
      'rollout',
      name,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { template } }),
    ]);
  }

  kubectl(args: string[], input?: string): Promise<string> {
    return this.cluster.kubectl(['-n', this.ns, ...args], input);
  }

  /** Status patches as the kubectl-argo-rollouts plugin sends them, from plain kubectl. */
  statusPatch(name: string, patch: unknown): Promise<string> {
    return this.kubectl([
      'patch',
      'rollout',
      name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(patch),
    ]);
  }

  /** `promote`: clear the pause conditions (or unpause, or skip the running step), as the plugin does. */
  async promote(name: string): Promise<void> {
    const ro = await this.get(name);
    if (ro.spec.paused)
      await this.kubectl(['patch', 'rollout', name, '--type=merge', '-p', '{"spec":{"paused":false}}']);
    if ((ro.status?.pauseConditions?.length ?? 0) > 0) {
      await this.statusPatch(name, { status: { pauseConditions: null } });
    } else if (ro.spec.strategy.canary) {
      const steps = ro.spec.strategy.canary.steps?.length ?? 0;
      const index = Math.min((ro.status?.currentStepIndex ?? 0) + 1, steps);
      await this.statusPatch(name, { status: { pauseConditions: null, currentStepIndex: index } });
    }
  }

  abort(name: string): Promise<string> {
    return this.statusPatch(name, { status: { abort: true } });
  }

  retry(name: string): Promise<string> {
    return this.statusPatch(name, { status: { abort: false } });
  }

  promoteFull(name: string): Promise<string> {
    return this.statusPatch(name, { status: { promoteFull: true } });
  }

  /** Waits until `check` passes against the Rollout, returning it. */
  waitFor(name: string, check: (ro: Rollout) => void | Promise<void>, timeoutMs = 180_000): Promise<Rollout> {
    return eventually(async () => {
      const ro = await this.get(name);
      await check(ro);
      return ro;
    }, timeoutMs);
  }

  async replicaSets(name: string): Promise<ReplicaSetLike[]> {
    const list = await this.cluster.api.list<ReplicaSetLike>(core.replicaSets, this.ns);
    return list.items.filter((rs) =>
      rs.metadata.ownerReferences?.some((o) => o.kind === 'Rollout' && o.name === name),
    );
  }

  /** spec.replicas and available pods of the ReplicaSet of each pod-template-hash. */
  async scale(name: string): Promise<Record<string, { spec: number; available: number }>> {
    const out: Record<string, { spec: number; available: number }> = {};
    for (const rs of await this.replicaSets(name)) {
      const hash = rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '?';
      out[hash] = { spec: rs.spec.replicas ?? 0, available: rs.status?.availableReplicas ?? 0 };
    }
    return out;
  }

  async selector(svc: string): Promise<string | undefined> {
    const s = await this.cluster.api.get<ServiceLike>(core.services, this.ns, svc);
    return s.spec.selector?.[POD_TEMPLATE_HASH_LABEL];
  }

  async runs(name: string): Promise<AnalysisRun[]> {
    const list = await this.cluster.api.list<AnalysisRun>(analysisRunResource, this.ns);
    return list.items
      .filter((r) => r.metadata.ownerReferences?.some((o) => o.kind === 'Rollout' && o.name === name))
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  }

  waitForRun(name: string, runName: (n: string) => boolean, timeoutMs = 180_000): Promise<AnalysisRun> {
    return eventually(async () => {
      const run = (await this.runs(name)).find((r) => runName(r.metadata.name));
      expect(run, 'AnalysisRun').toBeDefined();
      return run as AnalysisRun;
    }, timeoutMs);
  }

  /**
   * Drives an AnalysisRun's outcome by writing its status, as the AnalysisRun controller would
   * after measuring: the metric, its value and the phase. (The Prometheus-driven path is tested
   * with the analysis controller.) Several values are successful measurements 10 s apart, the
   * last one now.
   */
  async driveRun(
    run: string,
    phase: AnalysisPhase,
    metric = 'error-rate',
    value: string | string[] = '0.01',
  ): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const values = Array.isArray(value) ? value : [value];
    const at = (i: number) =>
      new Date(Date.parse(now) - (values.length - 1 - i) * 10_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const measured = Array.isArray(value) ? 'Successful' : phase;
    const done = phase !== 'Running' && phase !== 'Pending';
    await eventually(async () => {
      const current = await this.cluster.api.get<AnalysisRun>(analysisRunResource, this.ns, run);
      await this.cluster.api.mergePatch(
        analysisRunResource,
        this.ns,
        run,
        {
          metadata: { resourceVersion: current.metadata.resourceVersion },
          status: {
            phase,
            message: done && phase !== 'Successful' ? `metric "${metric}" assessed ${phase}` : undefined,
            startedAt: now,
            ...(done ? { completedAt: now } : {}),
            metricResults: [
              {
                name: metric,
                phase,
                count: values.length,
                ...(measured === 'Failed'
                  ? { failed: values.length }
                  : measured === 'Successful'
                    ? { successful: values.length }
                    : {}),
                measurements: values.map((v, i) => ({
                  phase: measured,
                  value: v,
                  startedAt: at(i),
                  finishedAt: at(i),
                })),
              },
            ],
          },
        },
        'status',
      );
    }, 15_000);
  }

  async events(name: string): Promise<{ reason: string; note: string; type: string }[]> {
    const list = await this.cluster.api.list<KubeObject>(core.events, this.ns);
    return list.items
      .filter((e) => (e.regarding as { name?: string } | undefined)?.name === name)
      .map((e) => ({ reason: String(e.reason), note: String(e.note), type: String(e.type) }));
  }
}

/** An AnalysisTemplate with one Prometheus metric; its outcome is driven by the tests. */
export function analysisTemplate(ns: string, name: string): KubeObject {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name, namespace: ns },
    spec: {
      args: [{ name: 'canary-hash' }, { name: 'service', value: 'web' }],
      metrics: [
        {
          name: 'error-rate',
          // A long initial delay keeps a measuring controller (if one runs) from deciding first.
          initialDelay: '1h',
          successCondition: 'result[0] < 0.05',
          provider: {
            prometheus: {
              address: 'http://127.0.0.1:9',
              query: 'sum(rate(errors{hash="{{args.canary-hash}}"}[1m]))',
            },
          },
        },
      ],
    },
  };
}

/** Per-file state of a Rollout end-to-end suite: its namespace, driver and controller process. */
interface RolloutSuite {
  readonly cluster: TestCluster;
  /** Drives Rollouts in the suite's namespace (`ro.ns`). */
  readonly ro: RolloutDriver;
  ctl: ControllerProcess;
  /** Kills the controller with `signal` and starts a new one, as a crash and a restart do. */
  restartController(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Registers the hooks of a suite: a fresh namespace with the `errors` AnalysisTemplate, and a
 * controller confined to that namespace (files run in parallel against one control plane).
 */
export function rolloutSuite(
  prefix: string,
  opts: {
    /** Creates what must exist before the controller starts (templates, a first Rollout). */
    setup?: (suite: RolloutSuite) => Promise<void>;
  } = {},
): RolloutSuite {
  const cluster = testCluster();
  const suite: RolloutSuite = {
    cluster,
    ro: new RolloutDriver(cluster, ''),
    ctl: undefined as unknown as ControllerProcess,
    async restartController(signal) {
      await suite.ctl.stop(signal);
      suite.ctl = await startController({ kubeconfig: cluster.kubeconfig, namespace: suite.ro.ns });
      await suite.ctl.waitForLog((l) => l.msg === 'caches synced');
    },
  };
  beforeAll(async () => {
    const ns = await createNamespace(cluster.api, prefix);
    suite.ro.ns = ns;
    await cluster.api.create(analysisTemplateResource, analysisTemplate(ns, 'errors'));
    await opts.setup?.(suite);
    suite.ctl = await startController({ kubeconfig: cluster.kubeconfig, namespace: ns });
  });
  afterAll(async () => {
    // SLUICE_E2E_LOGS=/some/dir keeps each suite's controller log lines for a post-mortem.
    if (process.env.SLUICE_E2E_LOGS && suite.ctl) {
      const lines = suite.ctl.logs.map((l) => JSON.stringify(l)).join('\n');
      await writeFile(`${process.env.SLUICE_E2E_LOGS}/${prefix}.log`, lines);
    }
    await suite.ctl?.stop();
    if (suite.ro.ns) await deleteNamespace(cluster.api, suite.ro.ns);
  });
  return suite;
}

/** An analysis step (or block) using the `errors` template, judging the new version. */
export const errorsAnalysis = {
  templates: [{ templateName: 'errors' }],
  args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' as const } }],
};

/**
 * A version of `web` whose pod template label `smoke` says how a job analysis of it ends: the
 * analysis passes the label into its Job's pod annotation `sluice.dev/test-fault`, and kwok
 * fails a pod annotated `Error` (test/control-plane/kwok-fault-stages.yaml) and completes others.
 */
export function smokeVersion(smoke: 'pass' | 'Error', tag: string): NonNullable<RolloutSpec['template']> {
  return {
    metadata: { labels: { app: 'web', smoke } },
    spec: { containers: [{ name: 'app', image: `example.invalid/web:${tag}` }] },
  };
}

/**
 * A `job` metric provider whose Job fails when the argument `fault` is `Error` (see
 * smokeVersion) and completes otherwise; `metadata` goes onto each Job.
 */
export function smokeJob(metadata: {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}) {
  return {
    job: {
      metadata,
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { annotations: { 'sluice.dev/test-fault': '{{args.fault}}' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'smoke', image: 'example.invalid/smoke:1' }] },
        },
      },
    },
  };
}

/** Pods of the test control plane can take a while to become ready; updates need several. */
export const SLOW = 300_000;
