import { redactCredentials } from '../observability/redact.ts';
import type { OutgoingRequest } from './payload.ts';

export interface SendResult {
  ok: boolean;
  /** The HTTP status, absent when no answer came (refused, reset, timed out). */
  status?: number;
  /** Why it failed, without the URL: a webhook URL is itself a credential. */
  error?: string;
}

export type Send = (request: OutgoingRequest, timeoutMs: number) => Promise<SendResult>;

/** POSTs one notification. Never throws: every outcome is a result the dispatcher classifies. */
export const sendRequest: Send = async (request, timeoutMs) => {
  try {
    const res = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text().catch(() => '');
    if (res.ok) return { ok: true, status: res.status };
    return {
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}: ${redactCredentials(text.slice(0, 200))}`,
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (err as Error).message;
    return { ok: false, error: redactCredentials(`no answer: ${reason}`) };
  }
};
