// The trail of a commit on its Application's page: what `kubectl sluice trail` prints, from
// the fetch to the verdict, as a timeline. Read again whenever the page's state changes (a
// sync, a health change of what it applied), never on a timer.

import { useEffect, useState } from 'preact/hooks';
import type { TrailView } from '../../cli/dashboard/model.ts';
import { Badge, Revision, Section, Time } from './components.tsx';

type Loaded = { trail: TrailView } | { error: string } | undefined;

async function fetchTrail(namespace: string, name: string): Promise<TrailView> {
  const res = await fetch(`api/trail/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
  const body = (await res.json().catch(() => ({}))) as TrailView & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** `changed`: anything that differs each time the page's state does. */
export function TrailTimeline(props: { namespace: string; name: string; changed: unknown }) {
  const { namespace, name, changed } = props;
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    let current = true;
    fetchTrail(namespace, name).then(
      (trail) => current && setLoaded({ trail }),
      (err: unknown) => current && setLoaded({ error: (err as Error).message }),
    );
    return () => {
      current = false;
    };
  }, [namespace, name, changed]);
  return (
    <Section title="Trail">
      {!loaded ? (
        <p class="muted">Loading…</p>
      ) : 'error' in loaded ? (
        <p class="alert">Cannot read the trail: {loaded.error}</p>
      ) : (
        <>
          <p>
            Revision <Revision value={loaded.trail.revision || undefined} />:{' '}
            <Badge value={loaded.trail.verdict.outcome} /> {loaded.trail.verdict.message}
          </p>
          <ol class="timeline">
            {loaded.trail.entries
              .filter((e) => e.stage !== 'verdict')
              .map((e, i) => (
                <li key={i} class={`stage-${e.stage}`}>
                  <span class="when">{e.time ? <Time at={e.time} /> : <span class="muted">—</span>}</span>
                  <span class="stage">{e.stage}</span>
                  <span class="what">
                    <code>{e.subject}</code> {e.message}
                  </span>
                </li>
              ))}
          </ol>
        </>
      )}
    </Section>
  );
}
