import { describe, expect, it } from 'vitest';
import { buildHeaders, parseHttpUrl, redact } from './http.ts';
import type { MeasureRequest, MetricProvider } from './provider.ts';
import { ProviderConfigError, UnsupportedProviderError } from './provider-errors.ts';
import { createProviderRegistry, providerKeyOf } from './registry.ts';

describe('providerKeyOf', () => {
  it('names the one provider set', () => {
    expect(providerKeyOf({ prometheus: { query: 'up' } })).toBe('prometheus');
    expect(providerKeyOf({ web: { url: 'http://x' } })).toBe('web');
    expect(providerKeyOf({ web: { url: 'http://x' }, prometheus: undefined })).toBe('web');
  });

  it('rejects no provider', () => {
    expect(() => providerKeyOf({})).toThrow(ProviderConfigError);
    expect(() => providerKeyOf(undefined)).toThrow(/no provider/);
    expect(() => providerKeyOf({ prometheus: null as never })).toThrow(/no provider/);
  });

  it('rejects more than one', () => {
    expect(() => providerKeyOf({ prometheus: { query: 'up' }, web: { url: 'http://x' } })).toThrow(
      /exactly one is allowed/,
    );
  });

  it('names unsupported Argo providers', () => {
    try {
      providerKeyOf({ datadog: { query: 'avg:x' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedProviderError);
      expect(error).toMatchObject({
        kind: 'config',
        requested: 'datadog',
        supported: ['prometheus', 'web', 'job'],
      });
    }
  });
});

describe('createProviderRegistry', () => {
  it('picks the provider by key and passes the request through', async () => {
    const seen: MeasureRequest[] = [];
    const fake: MetricProvider = {
      type: 'Prometheus',
      async measure(request) {
        seen.push(request);
        return { value: [1], text: '[1]', metadata: {} };
      },
    };
    const registry = createProviderRegistry({ overrides: { prometheus: fake } });
    expect(registry.providerFor({ prometheus: { query: 'up' } })).toBe(fake);
    expect(registry.providerFor({ web: { url: 'http://x' } }).type).toBe('Web');
    const request = { metricName: 'm', provider: { prometheus: { query: 'up' } } };
    await expect(registry.measure(request, new AbortController().signal)).resolves.toEqual({
      value: [1],
      text: '[1]',
      metadata: {},
    });
    expect(seen).toEqual([request]);
  });

  it('spec errors become rejections of measure', async () => {
    const registry = createProviderRegistry();
    await expect(
      registry.measure({ metricName: 'm', provider: { datadog: {} } }, new AbortController().signal),
    ).rejects.toBeInstanceOf(UnsupportedProviderError);
  });

  it('config errors of the built-in providers are typed', async () => {
    const registry = createProviderRegistry();
    const signal = new AbortController().signal;
    const measure = (provider: MeasureRequest['provider']) =>
      registry.measure({ metricName: 'm', provider }, signal);
    await expect(measure({ prometheus: { query: 'up' } })).rejects.toThrow(/address is not configured/);
    await expect(measure({ prometheus: { query: 'up', address: 'ftp://x' } })).rejects.toThrow(
      /http or https/,
    );
    await expect(measure({ prometheus: { query: ' ', address: 'http://x' } })).rejects.toThrow(
      /query is empty/,
    );
    await expect(measure({ prometheus: { query: 'up', address: 'http://x', timeout: -1 } })).rejects.toThrow(
      /timeout/,
    );
    await expect(
      measure({ prometheus: { query: 'up', address: 'http://x', rangeQuery: { step: '1m' } } }),
    ).rejects.toThrow(/rangeQuery/);
    await expect(measure({ web: { url: 'http://x', jsonPath: '$..a' } })).rejects.toBeInstanceOf(
      ProviderConfigError,
    );
    await expect(measure({ web: { url: 'http://x', body: 'b' } })).rejects.toThrow(/POST or PUT/);
    await expect(measure({ web: { url: 'http://x', method: 'DELETE' as never } })).rejects.toThrow(/method/);
  });
});

describe('credential hygiene', () => {
  it('refuses credentials in addresses without echoing them', () => {
    try {
      parseHttpUrl('Prometheus', 'http://admin:hunter22@prometheus:9090', 'address');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderConfigError);
      expect(String(error)).not.toContain('hunter22');
    }
  });

  it('sets auth headers and lists every secret form to scrub', () => {
    const basic = buildHeaders('Prometheus', [{ key: 'X-Scope-OrgID', value: 'tenant-a' }], {
      kind: 'basic',
      username: 'user',
      password: 'pa55word',
    });
    const encoded = Buffer.from('user:pa55word').toString('base64');
    expect(basic.headers.get('authorization')).toBe(`Basic ${encoded}`);
    expect(basic.headers.get('x-scope-orgid')).toBe('tenant-a');
    expect(basic.secrets).toEqual(['pa55word', encoded]);

    const bearer = buildHeaders('Prometheus', [{ key: 'X-Api-Key', value: 'key-123456' }], {
      kind: 'bearer',
      token: 'tok-abcdef',
    });
    expect(bearer.headers.get('authorization')).toBe('Bearer tok-abcdef');
    expect(bearer.secrets).toEqual(['key-123456', 'tok-abcdef']);
  });

  it('an invalid header value is reported without the value', () => {
    try {
      buildHeaders('Web', [{ key: 'Authorization', value: 'Bearer abc\r\nX: y' }], undefined);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderConfigError);
      expect(String(error)).not.toContain('abc');
    }
  });

  it('redact replaces every occurrence and leaves tiny values alone', () => {
    expect(redact('a s3cret b s3cret', ['s3cret'])).toBe('a [redacted] b [redacted]');
    expect(redact('a b c', ['a'])).toBe('a b c');
  });
});
