import { describe, expect, it } from 'vitest';
import { assessHealth } from '../health.ts';

describe('HorizontalPodAutoscaler', () => {
  const hpa = (conditions: Record<string, unknown>[]) =>
    assessHealth({ kind: 'HorizontalPodAutoscaler', status: { conditions } });

  it.each([
    ['no conditions yet', [], 'Progressing', 'waiting for the autoscaler'],
    [
      'scaling',
      [
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
      ],
      'Healthy',
      'scaling',
    ],
    [
      'limited by maxReplicas',
      [
        { type: 'AbleToScale', status: 'True' },
        { type: 'ScalingActive', status: 'True' },
        { type: 'ScalingLimited', status: 'True', message: 'the desired count is more than the maximum' },
      ],
      'Healthy',
      'scaling limited: the desired count is more than the maximum',
    ],
    [
      'metrics unreadable',
      [
        { type: 'AbleToScale', status: 'True' },
        { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: 'no metrics' },
      ],
      'Degraded',
      'FailedGetResourceMetric: no metrics',
    ],
    [
      'cannot change the scale',
      [{ type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: 'no such deployment' }],
      'Degraded',
      'FailedGetScale: no such deployment',
    ],
    [
      'inside a stabilisation window',
      [
        { type: 'AbleToScale', status: 'False', reason: 'BackoffBoth' },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
      ],
      'Healthy',
      'scaling',
    ],
    [
      'scaled to zero by hand',
      [
        { type: 'AbleToScale', status: 'True' },
        { type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled' },
      ],
      'Healthy',
      'scaling',
    ],
  ])('%s', (_, conditions, status, message) => {
    expect(hpa(conditions)).toEqual({ status, message });
  });
});

describe('PodDisruptionBudget', () => {
  it.each([
    [{}, 'Progressing', 'waiting for the disruption controller'],
    [{ currentHealthy: 3, desiredHealthy: 2 }, 'Healthy', '3 healthy, 2 required'],
    [{ currentHealthy: 2, desiredHealthy: 2 }, 'Healthy', '2 healthy, 2 required'],
    [{ currentHealthy: 1, desiredHealthy: 2 }, 'Degraded', '1 healthy pods, 2 required'],
  ])('status %j is %s', (status, health, message) => {
    expect(assessHealth({ kind: 'PodDisruptionBudget', status })).toEqual({ status: health, message });
  });
});

describe('Ingress', () => {
  it('is Healthy once it has a load balancer address, Progressing before', () => {
    expect(
      assessHealth({ kind: 'Ingress', status: { loadBalancer: { ingress: [{ ip: '10.0.0.5' }] } } }),
    ).toEqual({
      status: 'Healthy',
      message: 'load balancer ready',
    });
    expect(assessHealth({ kind: 'Ingress', status: { loadBalancer: {} } })).toEqual({
      status: 'Progressing',
      message: 'waiting for a load balancer address',
    });
  });
});

describe('Pod', () => {
  const waiting = {
    containerStatuses: [{ name: 'main', state: { waiting: { reason: 'ImagePullBackOff' } } }],
  };

  it('is Degraded at once by a container that cannot start', () => {
    expect(
      assessHealth({ kind: 'Pod', metadata: { name: 'one-off' }, status: { phase: 'Pending', ...waiting } }),
    ).toEqual({
      status: 'Degraded',
      message: 'pod one-off container main: ImagePullBackOff',
    });
  });

  it('with restartPolicy Never or OnFailure (a hook) keeps Progressing while it waits', () => {
    for (const restartPolicy of ['Never', 'OnFailure']) {
      expect(
        assessHealth({
          kind: 'Pod',
          metadata: { name: 'hook' },
          spec: { restartPolicy },
          status: { phase: 'Pending', ...waiting },
        }),
      ).toEqual({ status: 'Progressing', message: 'phase Pending' });
    }
  });

  it("names the failed container when a failed pod's status says nothing", () => {
    const failed = (terminated: Record<string, unknown>) =>
      assessHealth({
        kind: 'Pod',
        status: { phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated } }] },
      });
    expect(failed({ exitCode: 2 })).toEqual({
      status: 'Degraded',
      message: 'container "app" failed with exit code 2',
    });
    expect(failed({ exitCode: 137, reason: 'OOMKilled' })).toEqual({
      status: 'Degraded',
      message: 'container "app" was OOMKilled',
    });
    expect(failed({ exitCode: 1, message: 'migration 42 failed' })).toEqual({
      status: 'Degraded',
      message: 'migration 42 failed',
    });
    expect(assessHealth({ kind: 'Pod', status: { phase: 'Failed', message: 'evicted' } })).toEqual({
      status: 'Degraded',
      message: 'evicted',
    });
  });
});
