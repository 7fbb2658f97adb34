import { describe, expect, it } from 'vitest';
import type { Metric } from '../api/analysis.ts';
import {
  ArgumentError,
  referencedArgs,
  referencedArgsIn,
  runArguments,
  substituteArgs,
  substituteText,
} from './args.ts';

const values = new Map([
  ['service', 'checkout'],
  ['threshold', '0.05'],
  ['count', '3'],
]);

describe('runArguments', () => {
  it('splits literal values from Secret references', () => {
    const args = runArguments([
      { name: 'service', value: 'checkout' },
      { name: 'token', valueFrom: { secretKeyRef: { name: 'prom', key: 'token' } } },
      { name: 'empty', value: '' },
    ]);
    expect([...args.values]).toEqual([
      ['service', 'checkout'],
      ['empty', ''],
    ]);
    expect([...args.secrets]).toEqual([['token', { name: 'prom', key: 'token' }]]);
  });

  it('refuses arguments only a Rollout can resolve, and arguments without a value', () => {
    expect(() => runArguments([{ name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }])).toThrow(
      /argument "hash": podTemplateHashValue and fieldRef are resolved when a Rollout creates the run/,
    );
    expect(() => runArguments([{ name: 'service' }])).toThrow(ArgumentError);
    expect(() => runArguments([{ name: 'service' }])).toThrow('argument "service" has no value');
  });
});

describe('substituteText', () => {
  it('replaces {{args.x}} and Argo-style {{ args.x }}', () => {
    expect(substituteText('rate(x{svc="{{args.service}}"}[1m]) > {{ args.threshold }}', values)).toBe(
      'rate(x{svc="checkout"}[1m]) > 0.05',
    );
  });

  it('leaves other templates alone', () => {
    expect(substituteText('{{workflow.name}} {{args.service}}', values)).toBe('{{workflow.name}} checkout');
  });

  it('keeps placeholders of arguments still pending, and rejects unknown ones with where they are', () => {
    expect(substituteText('Bearer {{args.token}}', values, { pending: new Set(['token']) })).toBe(
      'Bearer {{args.token}}',
    );
    expect(() =>
      substituteText('{{args.servce}}', values, {
        subject: 'metric "m"',
        field: 'provider.prometheus.query',
      }),
    ).toThrow(
      'metric "m": provider.prometheus.query refers to {{args.servce}}, but the run has no argument "servce"',
    );
  });
});

describe('substituteArgs', () => {
  const metric: Metric = {
    name: '{{args.service}}-errors',
    count: '{{args.count}}',
    interval: '1s',
    successCondition: 'result[0] < {{args.threshold}}',
    provider: {
      prometheus: {
        address: 'http://prometheus:9090',
        query: 'errors{service="{{args.service}}"}',
        headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
      },
    },
  };

  it('substitutes every string of a metric but its name, and leaves the input untouched', () => {
    const out = substituteArgs(metric, values, { pending: new Set(['token']), skipKeys: ['name'] });
    expect(out).toEqual({
      ...metric,
      count: '3',
      successCondition: 'result[0] < 0.05',
      provider: {
        prometheus: {
          address: 'http://prometheus:9090',
          query: 'errors{service="checkout"}',
          headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
        },
      },
    });
    expect(metric.successCondition).toBe('result[0] < {{args.threshold}}');
  });

  it('names the field of an unknown placeholder', () => {
    expect(() => substituteArgs(metric, values, { skipKeys: ['name'], subject: 'metric "m"' })).toThrow(
      'metric "m": provider.prometheus.headers[0].value refers to {{args.token}}',
    );
  });

  it('finds referenced arguments', () => {
    expect(referencedArgs('{{args.a}} {{ args.b }} {{args.a}}')).toEqual(['a', 'b']);
    expect([...referencedArgsIn(metric)].sort()).toEqual(['count', 'service', 'threshold', 'token']);
  });
});
