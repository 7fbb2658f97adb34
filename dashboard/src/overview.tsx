// Every GitRepository, Application and Rollout in scope, filtered as one types.

import { useState } from 'preact/hooks';
import type { Overview as OverviewModel, RolloutRow } from '../../cli/dashboard/model.ts';
import { Badge, LiveStatus, Pending, ReadyBadge, Revision, Section } from './components.tsx';
import { useLive } from './live.ts';
import { routeHref } from './route.ts';

function matches(filter: string, ...fields: (string | undefined)[]): boolean {
  const words = filter
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w);
  const text = fields.join(' ').toLowerCase();
  return words.every((w) => text.includes(w));
}

export function stepText(row: RolloutRow): string {
  if (!row.step) return '';
  return row.step.index >= row.step.count
    ? `done (${row.step.count})`
    : `${row.step.index + 1}/${row.step.count}`;
}

/** "Applications (1000)", or "(3 of 1000)" while a filter hides some. */
function countTitle(kind: string, shown: number, total: number): string {
  return `${kind} (${shown === total ? total : `${shown} of ${total}`})`;
}

export function Overview() {
  const live = useLive<OverviewModel>('page=overview');
  const [filter, setFilter] = useState('');
  const view = live.state?.view;
  const f = (...fields: (string | undefined)[]) => matches(filter, ...fields);
  const rollouts = view?.rollouts.filter((r) => f(r.name, r.namespace, r.phase, r.strategy, r.message)) ?? [];
  const applications =
    view?.applications.filter((a) => f(a.name, a.namespace, a.sync, a.health, a.source, a.revision)) ?? [];
  const sources = view?.sources.filter((s) => f(s.name, s.namespace, s.url, s.revision)) ?? [];
  return (
    <>
      <div class="page-head">
        <h1>Overview{view ? <span class="muted"> — {view.scope}</span> : null}</h1>
        <LiveStatus live={live} />
      </div>
      <Pending state={live.state} />
      <div class="filter">
        <label for="filter">Filter</label>
        <input
          id="filter"
          type="search"
          placeholder="name, namespace, phase…"
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />
      </div>
      {view && (
        <>
          <Section title={countTitle('Rollouts', rollouts.length, view.rollouts.length)}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Namespace</th>
                  <th scope="col">Strategy</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Step</th>
                  <th scope="col">Weights</th>
                  <th scope="col">Ready</th>
                </tr>
              </thead>
              <tbody>
                {rollouts.map((r) => (
                  <tr key={`${r.namespace}/${r.name}`}>
                    <th scope="row">
                      <a href={routeHref('rollout', r.namespace, r.name)}>{r.name}</a>
                    </th>
                    <td>{r.namespace}</td>
                    <td>{r.strategy}</td>
                    <td>
                      <Badge value={r.phase} />
                      {r.aborted && <Badge value="Failed" label="aborted" />}
                    </td>
                    <td>{stepText(r)}</td>
                    <td>{r.weights ? `canary ${r.weights.canary}% · stable ${r.weights.stable}%` : ''}</td>
                    <td>
                      {r.replicas.ready}/{r.replicas.desired}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {view.rollouts.length === 0 && <p class="muted">No Rollouts.</p>}
          </Section>
          <Section title={countTitle('Applications', applications.length, view.applications.length)}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Namespace</th>
                  <th scope="col">Revision</th>
                  <th scope="col">Sync</th>
                  <th scope="col">Health</th>
                  <th scope="col">Ready</th>
                </tr>
              </thead>
              <tbody>
                {applications.map((a) => (
                  <tr key={`${a.namespace}/${a.name}`}>
                    <th scope="row">
                      <a href={routeHref('application', a.namespace, a.name)}>{a.name}</a>
                    </th>
                    <td>{a.namespace}</td>
                    <td>
                      <Revision value={a.revision} />
                    </td>
                    <td>
                      <Badge value={a.sync} />
                    </td>
                    <td>
                      <Badge value={a.health} />
                    </td>
                    <td>
                      <ReadyBadge ready={a.ready} />
                      {a.suspended && <Badge value="Suspended" />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {view.applications.length === 0 && <p class="muted">No Applications.</p>}
          </Section>
          <Section title={countTitle('Sources', sources.length, view.sources.length)}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Namespace</th>
                  <th scope="col">URL</th>
                  <th scope="col">Revision</th>
                  <th scope="col">Ready</th>
                </tr>
              </thead>
              <tbody>
                {sources.map((s) => (
                  <tr key={`${s.namespace}/${s.name}`}>
                    <th scope="row">{s.name}</th>
                    <td>{s.namespace}</td>
                    <td>
                      <code>{s.url}</code>
                    </td>
                    <td>
                      <Revision value={s.revision} />
                    </td>
                    <td>
                      <ReadyBadge ready={s.ready} />
                      {s.suspended && <Badge value="Suspended" />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {view.sources.length === 0 && <p class="muted">No GitRepositories.</p>}
          </Section>
        </>
      )}
    </>
  );
}
