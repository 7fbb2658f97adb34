// The trail of a commit on its Application's page: what `kubectl sluice trail` prints, from
// the fetch to the verdict, as a timeline. Read again whenever the page's state changes (a
// sync, a health change of what it applied), never on a timer.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { TrailView } from '../../cli/dashboard/model.ts';
import { Badge, Revision, Section, Time } from './components.tsx';

type Loaded = { trail: TrailView } | { error: string } | undefined;

async function fetchTrail(namespace: string, name: string): Promise<TrailView> {
  const res = await fetch(`api/trail/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
  const body = (await res.json().catch(() => ({}))) as TrailView & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/**
 * `changed`: anything that differs each time the page's state does. One read at a time: changes
 * that arrive while one is under way ask for one more read after it, not one each.
 */
export function TrailTimeline(props: { namespace: string; name: string; changed: unknown }) {
  const { namespace, name, changed } = props;
  const [loaded, setLoaded] = useState<Loaded>();
  const reader = useRef({ running: false, dirty: false, mounted: true, namespace, name });
  useEffect(
    () => () => {
      reader.current.mounted = false;
    },
    [],
  );
  useEffect(() => {
    const r = Object.assign(reader.current, { dirty: true, namespace, name });
    if (r.running) return;
    r.running = true;
    void (async () => {
      while (r.dirty && r.mounted) {
        r.dirty = false;
        const result: Loaded = await fetchTrail(r.namespace, r.name).then(
          (trail) => ({ trail }),
          (err: unknown) => ({ error: (err as Error).message }),
        );
        if (r.mounted) setLoaded(result);
      }
      r.running = false;
    })();
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
