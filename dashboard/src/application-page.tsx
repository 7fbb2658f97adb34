// One Application: its source and revision, what it applied, the last error, the last syncs,
// and "reconcile now" (the same annotation `kubectl sluice reconcile` sets).

import type { AppDetail } from '../../cli/dashboard/model.ts';
import {
  Actions,
  Badge,
  ConditionsTable,
  ObjectHead,
  ReadyBadge,
  Revision,
  Section,
  Time,
} from './components.tsx';
import { useLive } from './live.ts';
import { streamQuery } from './route.ts';
import { TrailTimeline } from './trail-timeline.tsx';

export function ApplicationPage({ namespace, name }: { namespace: string; name: string }) {
  const live = useLive<AppDetail>(streamQuery({ page: 'application', namespace, name }));
  const app = live.state?.view;
  return (
    <>
      <ObjectHead kind="Application" namespace={namespace} name={name} live={live} />
      {app && (
        <>
          <div class="summary">
            <dl>
              <div>
                <dt>Source</dt>
                <dd>
                  {app.source}
                  {app.sourceRevision !== undefined && (
                    <>
                      {' '}
                      at <Revision value={app.sourceRevision} />
                    </>
                  )}
                </dd>
              </div>
              <div>
                <dt>Path</dt>
                <dd>
                  <code>{app.path}</code>
                </dd>
              </div>
              <div>
                <dt>Applied</dt>
                <dd>
                  <Revision value={app.revision} />
                  {app.attemptedRevision && app.attemptedRevision !== app.revision && (
                    <>
                      {' '}
                      (attempted <Revision value={app.attemptedRevision} />)
                    </>
                  )}
                </dd>
              </div>
              <div>
                <dt>Sync</dt>
                <dd>
                  <Badge value={app.sync} />
                </dd>
              </div>
              <div>
                <dt>Health</dt>
                <dd>
                  <Badge value={app.health} />
                </dd>
              </div>
              <div>
                <dt>Ready</dt>
                <dd>
                  <ReadyBadge ready={app.ready} />
                  {app.suspended && <Badge value="Suspended" />}
                </dd>
              </div>
            </dl>
            {app.lastError && (
              <div class="alert" role="alert">
                <strong>Last error</strong>
                {app.errorAt && (
                  <>
                    {' '}
                    in <code class="error-at">{app.errorAt.file}</code>, line {app.errorAt.line}
                  </>
                )}
                : {app.lastError}
              </div>
            )}
          </div>
          <Actions
            label="Application actions"
            readOnly={live.readOnly}
            actions={[
              {
                label: 'Reconcile now',
                path: `applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/reconcile`,
                unavailable: app.suspended ? 'suspended: resume it to reconcile' : undefined,
              },
            ]}
          />
          <Section title={`Applied objects (${app.objects.length})`}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Name</th>
                  <th scope="col">Namespace</th>
                  <th scope="col">Health</th>
                </tr>
              </thead>
              <tbody>
                {app.objects.map((o) => (
                  <tr key={`${o.group}/${o.kind}/${o.namespace}/${o.name}`}>
                    <td>{o.group ? `${o.kind}.${o.group}` : o.kind}</td>
                    <th scope="row">{o.name}</th>
                    <td>{o.namespace}</td>
                    <td>
                      <Badge value={o.health} /> <span class="muted">{o.message}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title="Syncs">
            <table>
              <thead>
                <tr>
                  <th scope="col">Revision</th>
                  <th scope="col">Result</th>
                  <th scope="col">At</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {app.history.map((h) => (
                  <tr key={`${h.time}/${h.revision}`}>
                    <td>
                      <Revision value={h.revision} />
                    </td>
                    <td>
                      <Badge value={h.result} />
                    </td>
                    <td>
                      <Time at={h.time} />
                    </td>
                    <td>{h.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <TrailTimeline namespace={namespace} name={name} changed={live.state} />
          <ConditionsTable conditions={app.conditions} />
        </>
      )}
    </>
  );
}
