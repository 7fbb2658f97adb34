import { describe, expect, it } from 'vitest';
import type { Rollout, RolloutStatus } from '../../controller/api/rollout.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { CliError } from '../cli-errors.ts';
import {
  parseImageAssignments,
  restartPatches,
  rolloutPatches,
  setImagePatches,
  undoTemplate,
} from './rollout-patches.ts';

function rollout(status: RolloutStatus, paused = false, blueGreen = false): Rollout {
  return {
    metadata: { name: 'web', namespace: 'ns' },
    spec: {
      ...(paused ? { paused } : {}),
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'a', image: 'web:3' }] },
      },
      strategy: blueGreen
        ? { blueGreen: { activeService: 'web' } }
        : { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }] } },
    },
    status,
  };
}

const pausedAtStep = {
  currentStepIndex: 1,
  pauseConditions: [{ reason: 'CanaryPauseStep' as const, startTime: 't' }],
  controllerPause: true,
};

describe('rolloutPatches', () => {
  it.each([
    [
      'promote clears the pause conditions',
      rollout(pausedAtStep),
      'promote',
      [{ target: 'status', body: { status: { pauseConditions: null } } }],
    ],
    [
      'promote skips a step that is not a pause',
      rollout({ currentStepIndex: 0 }),
      'promote',
      [{ target: 'status', body: { status: { pauseConditions: null, currentStepIndex: 1 } } }],
    ],
    [
      'promote also unpauses spec.paused',
      rollout(pausedAtStep, true),
      'promote',
      [
        { target: 'spec', body: { spec: { paused: false } } },
        { target: 'status', body: { status: { pauseConditions: null } } },
      ],
    ],
    [
      'promote --full asks for a full promotion',
      rollout({ currentPodHash: 'b', stableRS: 'a' }),
      'promote-full',
      [{ target: 'status', body: { status: { promoteFull: true } } }],
    ],
    ['abort', rollout({}), 'abort', [{ target: 'status', body: { status: { abort: true } } }]],
    ['retry', rollout({ abort: true }), 'retry', [{ target: 'status', body: { status: { abort: false } } }]],
    ['pause', rollout({}), 'pause', [{ target: 'spec', body: { spec: { paused: true } } }]],
    ['resume', rollout({}, true), 'resume', [{ target: 'spec', body: { spec: { paused: false } } }]],
    [
      'promote of a blue-green pause',
      rollout({ pauseConditions: [{ reason: 'BlueGreenPause', startTime: 't' }] }, false, true),
      'promote',
      [{ target: 'status', body: { status: { pauseConditions: null } } }],
    ],
  ] as const)('%s', (_name, ro, op, patches) => {
    expect(rolloutPatches(ro, op)).toEqual(patches);
  });

  it.each([
    ['retry of a rollout that is not aborted', rollout({}), 'retry', /not aborted/],
    ['resume of a rollout that is not paused', rollout(pausedAtStep), 'resume', /use promote/],
    [
      'promote with nothing left to do',
      rollout({ currentStepIndex: 3, stableRS: 'a', currentPodHash: 'a' }),
      'promote',
      /nothing to promote/,
    ],
    [
      'promote --full of a promoted rollout',
      rollout({ stableRS: 'a', currentPodHash: 'a' }),
      'promote-full',
      /already fully promoted/,
    ],
  ] as const)('refuses %s', (_name, ro, op, message) => {
    expect(() => rolloutPatches(ro, op)).toThrow(CliError);
    expect(() => rolloutPatches(ro, op)).toThrow(message);
  });
});

describe('undoTemplate', () => {
  const rs = (hash: string, revision: number, image: string): ReplicaSet => ({
    metadata: {
      name: `web-${hash}`,
      labels: { 'rollouts-pod-template-hash': hash },
      annotations: { 'sluice.dev/revision': String(revision) },
    },
    spec: {
      selector: { matchLabels: { app: 'web', 'rollouts-pod-template-hash': hash } },
      template: {
        metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': hash } },
        spec: { containers: [{ name: 'a', image }] },
      },
    },
  });
  const sets = [rs('a', 1, 'web:1'), rs('b', 2, 'web:2'), rs('c', 3, 'web:3')];
  const ro = rollout({ currentPodHash: 'c' });

  it('goes back to the previous revision, without the hash label', () => {
    expect(undoTemplate(ro, sets)).toEqual({
      revision: 2,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'a', image: 'web:2' }] },
      },
    });
  });

  it('goes to a named revision, and refuses one that does not exist', () => {
    expect(undoTemplate(ro, sets, 1).revision).toBe(1);
    expect(() => undoTemplate(ro, sets, 7)).toThrow(/has no revision 7 \(earlier revisions: 2, 1\)/);
    expect(() => undoTemplate(ro, sets, 3)).toThrow(/is the current one/);
  });
});

describe('set image', () => {
  const two = (): Rollout => {
    const ro = rollout({});
    (ro.spec.template as { spec: unknown }).spec = {
      initContainers: [{ name: 'migrate', image: 'web:3' }],
      containers: [
        { name: 'a', image: 'web:3', ports: [{ containerPort: 80 }] },
        { name: 'proxy', image: 'envoy:1' },
      ],
    };
    return ro;
  };
  it('replaces the named container image and keeps the rest of the template', () => {
    const [patch] = setImagePatches(two(), parseImageAssignments(['a=web:4']));
    expect(patch).toEqual({
      target: 'spec',
      body: {
        spec: {
          template: {
            spec: {
              initContainers: [{ name: 'migrate', image: 'web:3' }],
              containers: [
                { name: 'a', image: 'web:4', ports: [{ containerPort: 80 }] },
                { name: 'proxy', image: 'envoy:1' },
              ],
            },
          },
        },
      },
    });
  });
  it('* stands for every container, init containers too', () => {
    const [patch] = setImagePatches(two(), parseImageAssignments(['*=img:9']));
    expect(JSON.stringify(patch)).not.toMatch(/web:3|envoy:1/);
  });
  it('refuses an unknown container, listing the names, and a no-op', () => {
    expect(() => setImagePatches(two(), parseImageAssignments(['b=x:1']))).toThrow(
      'rollout web has no container "b" (containers: migrate, a, proxy)',
    );
    expect(() => setImagePatches(two(), parseImageAssignments(['a=web:3']))).toThrow(
      'already runs those images',
    );
    expect(() => parseImageAssignments(['a'])).toThrow('"a" is not CONTAINER=IMAGE');
    expect(() => parseImageAssignments([])).toThrow(CliError);
  });
  it('points a workloadRef Rollout at its Deployment', () => {
    const ro: Rollout = {
      ...rollout({}),
      spec: { workloadRef: { kind: 'Deployment', name: 'web-dep' }, strategy: {} },
    };
    expect(() => setImagePatches(ro, parseImageAssignments(['a=x:1']))).toThrow(
      /Deployment web-dep \(spec.workloadRef\)/,
    );
  });
});

describe('restart', () => {
  it('sets spec.restartAt to the next whole second', () => {
    expect(restartPatches(new Date('2026-01-01T10:00:00.250Z'))).toEqual([
      { target: 'spec', body: { spec: { restartAt: '2026-01-01T10:00:01Z' } } },
    ]);
  });
});
