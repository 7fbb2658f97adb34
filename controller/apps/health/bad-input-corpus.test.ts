// The bad-input cases that hand an Application healthCheckExprs (test/bad-input/git, with
// `input.appSpec`) through the pure code: each must be refused at compile time with the
// message the user sees. bad-input-git.test.ts runs the same cases through the controller.

import { describe, expect, it } from 'vitest';
import { loadCases } from '../../../test/support/bad-input.ts';
import type { HealthCheckExpr } from '../../api/application.ts';
import { CustomHealth, HealthCheckExprError } from './custom.ts';

const cases = loadCases('git').filter((c) => c.input?.appSpec?.healthCheckExprs);

describe('healthCheckExprs that do not compile', () => {
  it('the corpus has such cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const exprs = c.input?.appSpec?.healthCheckExprs as HealthCheckExpr[];
    expect(() => new CustomHealth(exprs)).toThrow(HealthCheckExprError);
    expect(() => new CustomHealth(exprs)).toThrow(c.expect.condition.message);
  });
});
