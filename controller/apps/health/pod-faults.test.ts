import { describe, expect, it } from 'vitest';
import type { Obj } from './object.ts';
import { describeFault, podFault } from './pod-faults.ts';

const pod = (
  name: string,
  status: Record<string, unknown>,
  extra: Partial<NonNullable<Obj['metadata']>> = {},
): Obj => ({
  kind: 'Pod',
  metadata: { name, ...extra },
  status,
});
const waiting = (name: string, reason: string, message?: string) => ({
  name,
  ready: false,
  state: { waiting: { reason, ...(message ? { message } : {}) } },
});

describe('podFault', () => {
  it.each(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError'])(
    'names pod, container and reason for a container waiting on %s',
    (reason) => {
      const fault = podFault([pod('web-1', { containerStatuses: [waiting('app', reason, 'why')] })]);
      expect(fault).toEqual({ pod: 'web-1', container: 'app', reason, message: 'why' });
    },
  );

  it('names OOMKilled for a container killed for memory, waiting or running again unready', () => {
    const killed = { terminated: { reason: 'OOMKilled', exitCode: 137 } };
    expect(
      podFault([
        pod('a', { containerStatuses: [{ ...waiting('app', 'CrashLoopBackOff'), lastState: killed }] }),
      ]),
    ).toMatchObject({ reason: 'OOMKilled', container: 'app' });
    expect(podFault([pod('a', { containerStatuses: [{ name: 'app', state: killed }] })])).toMatchObject({
      reason: 'OOMKilled',
    });
    expect(
      podFault([
        pod('a', {
          containerStatuses: [{ name: 'app', ready: false, state: { running: {} }, lastState: killed }],
        }),
      ]),
    ).toMatchObject({ reason: 'OOMKilled' });
    // Killed once long ago and ready since: not a fault now.
    expect(
      podFault([
        pod('a', {
          containerStatuses: [{ name: 'app', ready: true, state: { running: {} }, lastState: killed }],
        }),
      ]),
    ).toBeUndefined();
  });

  it('looks at init containers first, skips pods being deleted, and ignores passing states', () => {
    expect(
      podFault([
        pod('a', {
          initContainerStatuses: [waiting('migrate', 'ErrImagePull')],
          containerStatuses: [waiting('app', 'PodInitializing')],
        }),
      ]),
    ).toMatchObject({ container: 'migrate', reason: 'ErrImagePull' });
    expect(
      podFault([
        pod('a', { containerStatuses: [waiting('app', 'CrashLoopBackOff')] }, { deletionTimestamp: 'x' }),
      ]),
    ).toBeUndefined();
    expect(
      podFault([pod('a', { containerStatuses: [waiting('app', 'ContainerCreating')] })]),
    ).toBeUndefined();
    expect(podFault([pod('a', {})])).toBeUndefined();
  });

  it('picks the same pod every time: the first by name', () => {
    const faults = [
      pod('web-b', { containerStatuses: [waiting('app', 'ErrImagePull')] }),
      pod('web-a', { containerStatuses: [waiting('app', 'CrashLoopBackOff')] }),
    ];
    expect(podFault(faults)?.pod).toBe('web-a');
  });

  it('describes a fault in one line', () => {
    expect(describeFault({ pod: 'p', container: 'c', reason: 'ErrImagePull', message: 'not found' })).toBe(
      'pod p container c: ErrImagePull (not found)',
    );
    expect(describeFault({ pod: 'p', container: 'c', reason: 'CrashLoopBackOff', message: undefined })).toBe(
      'pod p container c: CrashLoopBackOff',
    );
  });
});
