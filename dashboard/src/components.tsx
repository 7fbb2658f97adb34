// Small pieces every page uses: the live indicator, what is still loading or refused, status
// badges that say their state in words (colour only repeats it), and the action buttons.

import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { ConditionView, PageState, Ready } from '../../cli/dashboard/model.ts';
import { act, type Live } from './live.ts';

const TONES: Record<string, string> = {
  Healthy: 'ok',
  Synced: 'ok',
  Successful: 'ok',
  True: 'ok',
  Succeeded: 'ok',
  Promoted: 'ok',
  Applied: 'ok',
  RolledBack: 'bad',
  NotApplied: 'warn',
  Progressing: 'info',
  Running: 'info',
  Paused: 'warn',
  Pending: 'muted',
  Inconclusive: 'warn',
  OutOfSync: 'warn',
  Suspended: 'warn',
  Degraded: 'bad',
  Missing: 'bad',
  Failed: 'bad',
  Error: 'bad',
  False: 'bad',
};

export function Badge({ value, label }: { value: string; label?: string }) {
  return <span class={`badge tone-${TONES[value] ?? 'muted'}`}>{label ?? value}</span>;
}

export function ReadyBadge({ ready }: { ready: Ready }) {
  const text = ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'Not ready' : 'Unknown';
  return (
    <span title={ready.message}>
      <Badge value={ready.status} label={text} />
    </span>
  );
}

export function LiveStatus<T>({ live }: { live: Live<T> }) {
  return (
    <p class={`live ${live.connected ? 'on' : 'off'}`} role="status">
      {live.connected ? 'Live' : 'Reconnecting…'}
    </p>
  );
}

/** What is not loaded yet, and the API server's refusals (RBAC, an unreachable server). */
export function Pending<T>({ state }: { state: PageState<T> | undefined }) {
  if (!state) return <p class="muted">Loading…</p>;
  const refused = state.pending.filter((p) => p.error);
  if (refused.length === 0) return state.pending.length > 0 ? <p class="muted">Loading…</p> : null;
  return (
    <div class="alert" role="alert">
      {refused.map((p) => (
        <p key={p.resource}>
          Cannot list {p.resource}: {p.error}
        </p>
      ))}
    </div>
  );
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export interface ActionSpec {
  label: string;
  path: string;
  /** Why it cannot be taken now (the button is disabled and says so). */
  unavailable?: string | undefined;
  /** Asked before sending: the action moves traffic or replaces pods. */
  confirm?: string | undefined;
}

type Outcome = { ok: boolean; text: string } | undefined;

/**
 * A row of action buttons, one confirmation dialog, and the result of the last action. On a
 * read-only dashboard the buttons stay in view (so the page reads the same) but are disabled,
 * with the reason beside them.
 */
export function Actions({
  actions,
  label,
  readOnly,
}: {
  actions: ActionSpec[];
  label: string;
  readOnly?: string | undefined;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [asking, setAsking] = useState<ActionSpec | undefined>();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const run = async (a: ActionSpec) => {
    setBusy(true);
    setOutcome(undefined);
    try {
      setOutcome({ ok: true, text: await act(a.path) });
    } catch (err) {
      setOutcome({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const click = (a: ActionSpec) => {
    if (!a.confirm) return void run(a);
    setAsking(a);
    dialog.current?.showModal();
  };
  return (
    <div class="actions">
      <fieldset class="buttons">
        <legend class="sr-only">{label}</legend>
        {actions.map((a) => (
          <button
            key={a.label}
            type="button"
            disabled={busy || readOnly !== undefined || a.unavailable !== undefined}
            title={readOnly ? 'read-only dashboard' : a.unavailable}
            aria-describedby={readOnly ? 'read-only-note' : undefined}
            onClick={() => click(a)}
          >
            {a.label}
          </button>
        ))}
      </fieldset>
      {readOnly && (
        <p id="read-only-note" class="read-only-note">
          {readOnly[0]?.toUpperCase()}
          {readOnly.slice(1)}.
        </p>
      )}
      <p class={`outcome ${outcome?.ok === false ? 'refused' : ''}`} role="status" aria-live="polite">
        {outcome?.text}
      </p>
      <dialog ref={dialog} aria-labelledby="confirm-title" onClose={() => setAsking(undefined)}>
        <form method="dialog">
          <h2 id="confirm-title">{asking?.label}?</h2>
          <p>{asking?.confirm}</p>
          <div class="buttons">
            <button type="submit" value="cancel" autofocus>
              Cancel
            </button>
            <button
              type="submit"
              value="confirm"
              class="primary"
              onClick={() => {
                if (asking) void run(asking);
              }}
            >
              {asking?.label}
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}

export function Time({ at }: { at: string | undefined }) {
  if (!at) return null;
  const d = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {Number.isNaN(d.getTime()) ? at : d.toLocaleTimeString()}
    </time>
  );
}

/** A revision as `main@sha1:0123abcd` (shortened) with the whole one on hover. */
export function Revision({ value }: { value: string | undefined }) {
  if (!value) return <span class="muted">none yet</span>;
  const short = value.replace(/(sha1:[0-9a-f]{8})[0-9a-f]+/, '$1');
  return (
    <code title={value} class="revision">
      {short}
    </code>
  );
}

export function ConditionsTable({ conditions }: { conditions: ConditionView[] }) {
  return (
    <Section title="Conditions">
      <table>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {conditions.map((c) => (
            <tr key={c.type}>
              <th scope="row">{c.type}</th>
              <td>{c.status}</td>
              <td>{c.reason}</td>
              <td class="wrap">{c.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** The heading of one object's page, whether the page is live, and what is missing. */
export function ObjectHead<T>(props: { kind: string; namespace: string; name: string; live: Live<T> }) {
  const { kind, namespace, name, live } = props;
  return (
    <>
      <div class="page-head">
        <h1>
          {kind} {name} <span class="muted">in {namespace}</span>
        </h1>
        <LiveStatus live={live} />
      </div>
      <Pending state={live.state} />
      {live.state && !live.state.found && (
        <p role="alert">
          {kind} {name} was not found in {namespace}.
        </p>
      )}
    </>
  );
}
