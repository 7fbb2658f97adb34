// A page's state, pushed by the server over server-sent events. EventSource reconnects by
// itself after a break (the server asks for 2 s), and the server sends the state again on
// connect, so the page catches up without a reload and without polling. States that arrive
// faster than the screen repaints are folded into one render per animation frame (only the
// newest is parsed), so a busy cluster never makes the page lay itself out twice per frame.

import { useEffect, useState } from 'preact/hooks';
import type { DashboardConfig, PageState } from '../../cli/dashboard/model.ts';

export interface Live<T> {
  state: PageState<T> | undefined;
  connected: boolean;
  /** Why actions cannot be taken here (the controller's read-only dashboard). */
  readOnly?: string | undefined;
}

export function useLive<T>(query: string): Live<T> {
  const [live, setLive] = useState<Live<T>>({ state: undefined, connected: false });
  useEffect(() => {
    setLive({ state: undefined, connected: false });
    const source = new EventSource(`api/events?${query}`);
    source.addEventListener('open', () => setLive((l) => ({ ...l, connected: true })));
    source.addEventListener('error', () => setLive((l) => ({ ...l, connected: false })));
    source.addEventListener('config', (ev) => {
      const config = JSON.parse((ev as MessageEvent<string>).data) as DashboardConfig;
      setLive((l) => ({ ...l, readOnly: config.readOnly }));
    });
    let latest = '';
    let frame = 0;
    source.addEventListener('state', (ev) => {
      latest = (ev as MessageEvent<string>).data;
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const state = JSON.parse(latest) as PageState<T>;
        setLive((l) => ({ ...l, state, connected: true }));
      });
    });
    return () => {
      cancelAnimationFrame(frame);
      source.close();
    };
  }, [query]);
  return live;
}

/** Sends an action; resolves with the server's message, or rejects with the API server's refusal. */
export async function act(path: string): Promise<string> {
  const res = await fetch(`api/${path}`, { method: 'POST', headers: { 'x-sluice-dashboard': '1' } });
  const body = (await res.json().catch(() => ({}))) as { message?: string; error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body.message ?? 'done';
}
