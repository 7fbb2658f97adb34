// One Rollout: where the update is (steps, weights), the versions with their pods, the analysis
// with its measurements, and the operations of `kubectl sluice` as buttons.

import type { RolloutAction, RolloutDetail, RunView } from '../../cli/dashboard/model.ts';
import {
  type ActionSpec,
  Actions,
  Badge,
  ConditionsTable,
  ObjectHead,
  Section,
  Time,
} from './components.tsx';
import { useLive } from './live.ts';
import { MetricChart } from './metric-chart.tsx';
import { stepText } from './overview.tsx';
import { streamQuery } from './route.ts';

const ACTIONS: { action: RolloutAction; label: string; confirm?: string }[] = [
  {
    action: 'promote',
    label: 'Promote',
    confirm: 'Moves the update to its next step: traffic shifts toward the new version.',
  },
  {
    action: 'promote-full',
    label: 'Promote full',
    confirm: 'Skips every remaining step and analysis: all traffic goes to the new version.',
  },
  {
    action: 'abort',
    label: 'Abort',
    confirm: 'Sends all traffic back to the stable version and scales the new one down.',
  },
  { action: 'retry', label: 'Retry', confirm: 'Starts the aborted update again from its first step.' },
  {
    action: 'undo',
    label: 'Undo',
    confirm: 'Goes back to the previous revision’s pod template: a new update starts.',
  },
  { action: 'pause', label: 'Pause' },
  { action: 'resume', label: 'Resume', confirm: 'Lets the update go on with its steps.' },
];

export function RolloutPage({ namespace, name }: { namespace: string; name: string }) {
  const live = useLive<RolloutDetail>(streamQuery({ page: 'rollout', namespace, name }));
  const ro = live.state?.view;
  const base = `rollouts/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  return (
    <>
      <ObjectHead kind="Rollout" namespace={namespace} name={name} live={live} />
      {ro && (
        <>
          <Summary ro={ro} />
          <Actions
            label="Rollout actions"
            readOnly={live.readOnly}
            actions={ACTIONS.map(
              (a): ActionSpec => ({
                label: a.label,
                path: `${base}/${a.action}`,
                unavailable: ro.unavailable[a.action],
                confirm: a.confirm,
              }),
            )}
          />
          {ro.steps.length > 0 && (
            <Section title="Steps">
              <ol class="steps">
                {ro.steps.map((s, i) => (
                  <li
                    key={i}
                    class={`step-${s.state}`}
                    aria-current={s.state === 'current' ? 'step' : undefined}
                  >
                    <span class="mark" aria-hidden="true">
                      {s.state === 'done'
                        ? '✔'
                        : s.state === 'current'
                          ? '▶'
                          : s.state === 'aborted'
                            ? '✖'
                            : '·'}
                    </span>
                    {s.text}
                    {s.state !== 'pending' && s.state !== 'done' && (
                      <span class="step-state"> ({s.state})</span>
                    )}
                  </li>
                ))}
              </ol>
            </Section>
          )}
          <Section title="Versions">
            <table>
              <thead>
                <tr>
                  <th scope="col">Revision</th>
                  <th scope="col">Role</th>
                  <th scope="col">ReplicaSet</th>
                  <th scope="col">Image</th>
                  <th scope="col">Pods ready</th>
                </tr>
              </thead>
              <tbody>
                {ro.versions.map((v) => (
                  <tr key={v.name} class={v.roles.length > 0 ? '' : 'old'}>
                    <th scope="row">{v.revision || '?'}</th>
                    <td>
                      {v.roles.length > 0
                        ? v.roles.map((r) => <Badge key={r} value={roleTone(r)} label={r} />)
                        : 'old'}
                    </td>
                    <td>
                      <code>{v.name}</code>
                    </td>
                    <td>
                      <code>{v.images.join(', ')}</code>
                    </td>
                    <td>
                      {v.ready}/{v.desired}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          {ro.runs.length > 0 && (
            <Section title="Analysis">
              {ro.runs.map((run) => (
                <Run key={run.name} run={run} />
              ))}
            </Section>
          )}
          <ConditionsTable conditions={ro.conditions} />
        </>
      )}
    </>
  );
}

function roleTone(role: string): string {
  return role === 'stable' || role === 'active' ? 'Healthy' : 'Progressing';
}

function Summary({ ro }: { ro: RolloutDetail }) {
  return (
    <div class="summary">
      <dl>
        <div>
          <dt>Phase</dt>
          <dd>
            <Badge value={ro.phase} />
            {ro.aborted && <Badge value="Failed" label="aborted" />}
          </dd>
        </div>
        <div>
          <dt>Strategy</dt>
          <dd>{ro.strategy}</dd>
        </div>
        {ro.step && (
          <div>
            <dt>Step</dt>
            <dd>{stepText(ro)}</dd>
          </div>
        )}
        <div>
          <dt>Pods</dt>
          <dd>
            {ro.replicas.ready} ready of {ro.replicas.desired} ({ro.replicas.updated} updated)
          </dd>
        </div>
        {ro.pauses.length > 0 && (
          <div>
            <dt>Paused</dt>
            <dd>
              {ro.pauses.map((p) => (
                <span key={p.reason}>
                  {p.reason}{' '}
                  {p.since && (
                    <>
                      since <Time at={p.since} />
                    </>
                  )}{' '}
                </span>
              ))}
            </dd>
          </div>
        )}
      </dl>
      {ro.message && <p class="message">{ro.message}</p>}
      {ro.weights && (
        <WeightBar canary={ro.weights.canary} stable={ro.weights.stable} verified={ro.weights.verified} />
      )}
    </div>
  );
}

function WeightBar({
  canary,
  stable,
  verified,
}: {
  canary: number;
  stable: number;
  verified?: boolean | undefined;
}) {
  return (
    <figure class="weights">
      <figcaption>
        Traffic: stable {stable}% · canary {canary}%
        {verified === false ? ' (not verified yet)' : verified ? ' (verified)' : ''}
      </figcaption>
      <div class="bar" role="img" aria-label={`stable ${stable} percent, canary ${canary} percent`}>
        <span class="stable" style={{ width: `${stable}%` }} />
        <span class="canary" style={{ width: `${canary}%` }} />
      </div>
    </figure>
  );
}

function Run({ run }: { run: RunView }) {
  return (
    <article class="run" aria-label={`AnalysisRun ${run.name}`}>
      <h3>
        <code>{run.name}</code> <Badge value={run.phase} /> <span class="muted">{run.what}</span>
      </h3>
      {run.message && <p>{run.message}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Phase</th>
            <th scope="col">Latest</th>
            <th scope="col">✔ / ✖ / ? / ⚠</th>
            <th scope="col">Measurements</th>
          </tr>
        </thead>
        <tbody>
          {run.metrics.map((m) => {
            const last = m.measurements[m.measurements.length - 1];
            return (
              <tr key={m.name}>
                <th scope="row">
                  {m.name}
                  {m.dryRun && <span class="muted"> (dry run)</span>}
                </th>
                <td>
                  <Badge value={m.phase} />
                </td>
                <td>
                  {last ? (
                    <>
                      <code>{last.value ?? '(no value)'}</code> <Time at={last.at} />
                    </>
                  ) : (
                    <span class="muted">no measurement yet</span>
                  )}
                  {(last?.message ?? m.message) && <div class="muted">{last?.message ?? m.message}</div>}
                </td>
                <td>
                  {m.counts.successful} / {m.counts.failed} / {m.counts.inconclusive} / {m.counts.error}
                </td>
                <td>
                  <MetricChart metric={m} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </article>
  );
}
