import { describe, expect, it } from 'vitest';
import type { AnalysisTemplateSpec, Metric } from '../api/analysis.ts';
import { AnalysisTemplateError, fieldValue, type LoadedTemplate, newAnalysisRun } from './create-run.ts';

const metric = (name: string, extra: Partial<Metric> = {}): Metric => ({
  name,
  interval: '1m',
  successCondition: 'result[0] < 0.05',
  provider: { prometheus: { address: 'http://prometheus:9090', query: 'errors{svc="{{args.service}}"}' } },
  ...extra,
});

const template = (
  templateName: string,
  spec: Partial<AnalysisTemplateSpec>,
  clusterScope = false,
): LoadedTemplate => ({
  ref: { templateName, ...(clusterScope ? { clusterScope } : {}) },
  spec: { metrics: [], ...spec },
});

const base = { namespace: 'shop', name: 'web-abc123-2' };

describe('newAnalysisRun', () => {
  it('merges the metrics of several templates and resolves arguments', () => {
    const run = newAnalysisRun({
      ...base,
      templates: [
        template('errors', {
          args: [{ name: 'service' }, { name: 'hash' }],
          metrics: [metric('error-rate')],
        }),
        template('latency', { args: [{ name: 'service' }], metrics: [metric('latency')] }, true),
      ],
      args: [
        { name: 'service', value: 'checkout' },
        { name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } },
        { name: 'unused', value: 'ignored, as in Argo' },
      ],
      podTemplateHashes: { stable: 'aaa111', latest: 'bbb222' },
      labels: { 'rollouts-pod-template-hash': 'bbb222' },
      ownerReferences: [
        { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'u1', controller: true },
      ],
    });
    expect(run.metadata).toMatchObject({
      name: 'web-abc123-2',
      namespace: 'shop',
      labels: { 'rollouts-pod-template-hash': 'bbb222' },
    });
    expect(run.metadata.ownerReferences?.[0]?.name).toBe('web');
    expect(run.spec.metrics.map((m) => m.name)).toEqual(['error-rate', 'latency']);
    // Placeholders stay in the metrics; the controller fills them in when it measures.
    expect(run.spec.metrics[0]?.provider.prometheus?.query).toBe('errors{svc="{{args.service}}"}');
    expect(run.spec.args).toEqual([
      { name: 'service', value: 'checkout' },
      { name: 'hash', value: 'bbb222' },
    ]);
  });

  it("lets the caller's arguments override template defaults, and keeps Secret references", () => {
    const run = newAnalysisRun({
      ...base,
      templates: [
        template('t', {
          args: [
            { name: 'service', value: 'default-svc' },
            { name: 'token', valueFrom: { secretKeyRef: { name: 'prom', key: 'token' } } },
            { name: 'stable', valueFrom: { podTemplateHashValue: 'Stable' } },
            { name: 'app' },
          ],
          metrics: [metric('m')],
        }),
      ],
      args: [
        { name: 'service', value: 'checkout' },
        { name: 'app', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      ],
      podTemplateHashes: { stable: 'aaa111', latest: 'bbb222' },
      fieldSource: { metadata: { name: 'web', labels: { app: 'shop-web' } } },
    });
    expect(run.spec.args).toEqual([
      { name: 'service', value: 'checkout' },
      { name: 'token', valueFrom: { secretKeyRef: { name: 'prom', key: 'token' } } },
      { name: 'stable', value: 'aaa111' },
      { name: 'app', value: 'shop-web' },
    ]);
  });

  it('refuses duplicate metric names, naming both templates', () => {
    expect(() =>
      newAnalysisRun({
        ...base,
        templates: [
          template('a', { metrics: [metric('m')] }),
          template('b', { metrics: [metric('m')] }, true),
        ],
        args: [{ name: 'service', value: 'x' }],
      }),
    ).toThrow('metric "m" is defined by AnalysisTemplate "a" and ClusterAnalysisTemplate "b"');
  });

  it('refuses template arguments whose defaults disagree', () => {
    expect(() =>
      newAnalysisRun({
        ...base,
        templates: [
          template('a', { args: [{ name: 'service', value: 'one' }], metrics: [metric('m1')] }),
          template('b', { args: [{ name: 'service', value: 'two' }], metrics: [metric('m2')] }),
        ],
      }),
    ).toThrow('argument "service" has different values in the templates: "one" and "two"');
  });

  it('refuses a required argument nobody supplied, and a hash that does not exist yet', () => {
    const templates = [template('t', { args: [{ name: 'service' }], metrics: [metric('m')] })];
    expect(() => newAnalysisRun({ ...base, templates })).toThrow(
      'argument "service" has no value: supply it in the analysis args',
    );
    expect(() =>
      newAnalysisRun({
        ...base,
        templates,
        args: [{ name: 'service', valueFrom: { podTemplateHashValue: 'Stable' } }],
        podTemplateHashes: { latest: 'bbb222' },
      }),
    ).toThrow('argument "service": there is no stable pod-template-hash yet');
  });

  it('refuses a condition that does not compile, with the template, metric and position', () => {
    const error = (() => {
      try {
        newAnalysisRun({
          ...base,
          templates: [
            template('errors', {
              args: [{ name: 'service', value: 'x' }],
              metrics: [metric('error-rate', { successCondition: 'result[0] < ' })],
            }),
          ],
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AnalysisTemplateError);
    expect((error as Error).message).toMatch(
      /^AnalysisTemplate "errors": metric "error-rate": invalid successCondition: .* at line 1, column \d+$/,
    );
  });

  it('checks conditions after substituting arguments, and numbers given as arguments', () => {
    expect(() =>
      newAnalysisRun({
        ...base,
        templates: [
          template('t', {
            args: [
              { name: 'limit', value: 'three' },
              { name: 'service', value: 'x' },
            ],
            metrics: [metric('m', { failureLimit: '{{args.limit}}' })],
          }),
        ],
      }),
    ).toThrow('AnalysisTemplate "t": metric "m": failureLimit "three" is not an integer');
  });

  it('merges dryRun and measurementRetention, the caller winning for a metric name', () => {
    const run = newAnalysisRun({
      ...base,
      templates: [
        template('t', {
          args: [{ name: 'service', value: 'x' }],
          metrics: [metric('a'), metric('b')],
          dryRun: [{ metricName: 'a' }],
          measurementRetention: [{ metricName: 'a', limit: 5 }],
        }),
      ],
      dryRun: [{ metricName: 'b' }],
      measurementRetention: [{ metricName: 'a', limit: 20 }],
    });
    expect(run.spec.dryRun).toEqual([{ metricName: 'a' }, { metricName: 'b' }]);
    expect(run.spec.measurementRetention).toEqual([{ metricName: 'a', limit: 20 }]);
  });
});

describe('fieldValue', () => {
  const rollout = {
    metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'shop' } },
    spec: { replicas: 3, template: { spec: { containers: [{ image: 'shop:v2' }] } } },
  };
  it('reads the paths fieldRef uses', () => {
    expect(fieldValue(rollout, 'metadata.name')).toBe('web');
    expect(fieldValue(rollout, "metadata.labels['app.kubernetes.io/name']")).toBe('shop');
    expect(fieldValue(rollout, 'spec.template.spec.containers[0].image')).toBe('shop:v2');
    expect(fieldValue(rollout, 'spec.replicas')).toBe('3');
    expect(fieldValue(rollout, 'metadata.annotations.x')).toBeUndefined();
  });
});
