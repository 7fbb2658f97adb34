import { createHmac } from 'node:crypto';

/** generic-hmac's `X-Signature` value: `sha256=<hex HMAC-SHA256 of the body with the token>`, as Flux sends it. */
export function signBody(key: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}
