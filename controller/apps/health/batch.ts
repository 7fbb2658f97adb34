// Jobs and CronJobs, as Argo CD judges them.

import { condition, degraded, healthy, num, type Obj, type ObjectHealth, progressing } from './object.ts';

export function jobHealth(o: Obj): ObjectHealth {
  const failed = condition(o, 'Failed');
  if (failed?.status === 'True') {
    const why = [failed.reason, failed.message].filter(Boolean).join(': ');
    return degraded(`job failed${why ? `: ${why}` : ''}`);
  }
  if (condition(o, 'Complete')?.status === 'True') return healthy('complete');
  if (o.spec?.suspend === true) return healthy('suspended');
  const active = num(o.status?.active);
  return progressing(active > 0 ? `running: ${active} active` : 'running');
}

/**
 * A CronJob is Degraded when its last scheduled Job did not succeed and none is running:
 * Kubernetes only records `lastSuccessfulTime` for a Job that completed.
 */
export function cronJobHealth(o: Obj): ObjectHealth {
  if (o.spec?.suspend === true) return healthy('suspended');
  const active = o.status?.active;
  if (Array.isArray(active) && active.length > 0) return healthy(`${active.length} jobs running`);
  const scheduled = o.status?.lastScheduleTime;
  if (typeof scheduled !== 'string') return healthy('no job scheduled yet');
  const succeeded = o.status?.lastSuccessfulTime;
  if (typeof succeeded !== 'string' || Date.parse(succeeded) < Date.parse(scheduled))
    return degraded(`the job scheduled at ${scheduled} did not succeed`);
  return healthy(`last job succeeded at ${succeeded}`);
}
