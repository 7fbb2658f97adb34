import { describe, expect, it } from 'vitest';
import { CustomHealth, HealthCheckExprError } from './custom.ts';

const certificate = (status: Record<string, unknown> | undefined) => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'tls', generation: 2 },
  ...(status ? { status } : {}),
});

const rules = new CustomHealth([
  {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    inProgress: 'status.observedGeneration != metadata.generation',
    failed: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'False')",
    current: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')",
  },
]);

describe('CustomHealth', () => {
  it('tries inProgress, then failed, then current', () => {
    const ready = [{ type: 'Ready', status: 'True' }];
    expect(rules.assess(certificate({ observedGeneration: 1, conditions: ready }))?.status).toBe(
      'Progressing',
    );
    expect(
      rules.assess(certificate({ observedGeneration: 2, conditions: [{ type: 'Ready', status: 'False' }] })),
    ).toEqual({
      status: 'Degraded',
      message: "failed: status.conditions.exists(c, c.type == 'Ready' && c.status == 'False')",
    });
    expect(rules.assess(certificate({ observedGeneration: 2, conditions: ready }))?.status).toBe('Healthy');
  });

  it('is Progressing when none holds, or a field is not there yet', () => {
    expect(rules.assess(certificate({ observedGeneration: 2, conditions: [] }))?.status).toBe('Progressing');
    const missing = rules.assess(certificate(undefined));
    expect(missing?.status).toBe('Progressing');
    expect(missing?.message).toMatch(/^inProgress expression cannot be evaluated yet: /);
  });

  it('leaves other kinds and versions to the built-in rules', () => {
    expect(rules.assess({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer' })).toBeUndefined();
    expect(rules.assess({ apiVersion: 'cert-manager.io/v2', kind: 'Certificate' })).toBeUndefined();
  });

  it('refuses an expression that does not compile, naming the kind and the expression', () => {
    const build = () =>
      new CustomHealth([{ apiVersion: 'example.com/v1', kind: 'Widget', current: "status.phase == 'Ready" }]);
    expect(build).toThrow(HealthCheckExprError);
    expect(build).toThrow(
      /^healthCheckExprs for example.com\/v1 Widget: expression "status.phase == 'Ready" does not compile: /,
    );
    try {
      build();
    } catch (err) {
      expect((err as HealthCheckExprError).cause).toBeInstanceOf(Error);
      expect((err as HealthCheckExprError).kind).toBe('Widget');
    }
  });

  it('refuses an expression whose types do not fit, or that is not a condition', () => {
    const build = (current: string) => () =>
      new CustomHealth([{ apiVersion: 'example.com/v1', kind: 'Widget', current }]);
    expect(build("1 + 'a'")).toThrow(HealthCheckExprError);
    expect(build("'ready'")).toThrow(/does not compile: it is a string, not a bool$/);
    expect(build('status.ready')).not.toThrow();
  });

  it('compares JSON integers as CEL ints', () => {
    const replicas = new CustomHealth([
      { apiVersion: 'example.com/v1', kind: 'Pool', current: 'status.ready >= spec.size && spec.size == 3' },
    ]);
    expect(
      replicas.assess({ apiVersion: 'example.com/v1', kind: 'Pool', spec: { size: 3 }, status: { ready: 3 } })
        ?.status,
    ).toBe('Healthy');
  });
});
