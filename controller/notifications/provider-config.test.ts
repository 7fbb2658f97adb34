import { describe, expect, it } from 'vitest';
import type { Provider } from '../api/notification.ts';
import { ProviderSpecError, resolveProvider } from './provider-config.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function provider(spec: Partial<Provider['spec']>): Provider {
  return { metadata: { name: 'p', namespace: 'shop' }, spec: { type: 'generic', ...spec } };
}

describe('resolveProvider', () => {
  it("takes the Secret's address over spec.address, its token and its headers", () => {
    const r = resolveProvider(
      provider({ type: 'generic-hmac', address: 'http://a', secretRef: { name: 's' }, timeout: '5s' }),
      {
        address: b64('https://hooks.example.com/secret-path\n'),
        token: b64('k'),
        headers: b64('X-Team: a\nAuthorization: Bearer z\n'),
      },
    );
    expect(r.config).toMatchObject({
      address: 'https://hooks.example.com/secret-path',
      token: 'k',
      headers: { 'x-team': 'a', authorization: 'Bearer z' },
    });
    expect(r.timeoutMs).toBe(5000);
    expect(r.suspended).toBe(false);
  });

  it('names what is missing or wrong', () => {
    const fails = (p: Provider, data?: Record<string, string>) => {
      try {
        resolveProvider(p, data);
      } catch (err) {
        expect(err).toBeInstanceOf(ProviderSpecError);
        return (err as Error).message;
      }
      throw new Error('resolved');
    };
    expect(fails(provider({}))).toMatch(/^spec\.address: required/);
    expect(fails(provider({ address: 'ftp://x' }))).toMatch(/^spec\.address: must be an http/);
    expect(fails(provider({ address: 'not a url' }))).toBe('spec.address: not a URL');
    expect(fails(provider({ type: 'github', address: 'https://github.com/a/b' }))).toMatch(
      /^spec\.secretRef: type github needs/,
    );
    expect(fails(provider({ type: 'generic-hmac', address: 'http://a', secretRef: { name: 's' } }), {})).toBe(
      "spec.secretRef: Secret 's' has no key token, which type generic-hmac needs",
    );
    expect(
      fails(provider({ address: 'http://a', secretRef: { name: 's' } }), { headers: b64('- a\n- b') }),
    ).toMatch(/^Secret 's' key headers: must be a map/);
    expect(fails(provider({ secretRef: { name: 's' } }), { address: b64('nope') })).toBe(
      "Secret 's' key address: not a URL",
    );
  });
});
