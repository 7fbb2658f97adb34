// A page's state, pushed by the server over server-sent events. EventSource reconnects by
// itself after a break (the server asks for 2 s), and the server sends the state again on
// connect, so the page catches up without a reload and without polling.

import { useEffect, useState } from 'preact/hooks';
import type { PageState } from '../../cli/dashboard/model.ts';

export interface Live<T> {
  state: PageState<T> | undefined;
  connected: boolean;
}

export function useLive<T>(query: string): Live<T> {
  const [live, setLive] = useState<Live<T>>({ state: undefined, connected: false });
  useEffect(() => {
    setLive({ state: undefined, connected: false });
    const source = new EventSource(`api/events?${query}`);
    source.addEventListener('open', () => setLive((l) => ({ ...l, connected: true })));
    source.addEventListener('error', () => setLive((l) => ({ ...l, connected: false })));
    source.addEventListener('state', (ev) => {
      setLive({ state: JSON.parse((ev as MessageEvent<string>).data) as PageState<T>, connected: true });
    });
    return () => source.close();
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
