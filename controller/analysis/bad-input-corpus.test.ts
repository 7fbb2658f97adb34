// The analysis cases of the bad-input corpus (test/bad-input/prometheus, .../expression) run
// through the pure code: a garbage answer is interpreted and judged, a condition reaching for
// JavaScript is compiled and judged. The same cases run end to end in bad-input-analysis.

import { describe, expect, it } from 'vitest';
import { loadCases } from '../../test/support/bad-input.ts';
import { assessMeasurement } from './assess/measurement.ts';
import { compile, ExpressionSyntaxError } from './expression/index.ts';
import { convertResult } from './providers/prometheus/convert.ts';
import { interpretPrometheusAnswer } from './providers/prometheus/response.ts';
import { ProviderError } from './providers/provider-errors.ts';

const WHERE = 'http://prometheus.test/api/v1/query';

/** What a measurement of this answer becomes: the provider's error, or the judged value. */
function measure(answer: { status: number; contentType: string; body: string }) {
  try {
    const data = interpretPrometheusAnswer(answer, WHERE);
    const { value } = convertResult(data.resultType, data.result);
    return assessMeasurement(value, { successCondition: 'result[0] < 0.05' });
  } catch (err) {
    if (err instanceof ProviderError) return { phase: 'Error', message: err.message };
    throw err;
  }
}

describe('Prometheus answering garbage', () => {
  const answered = loadCases('prometheus').filter((c) => c.input.answer);
  it.each(answered.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const got = measure(c.input.answer as NonNullable<typeof c.input.answer>);
    expect(got.phase).toBe(c.expect.measurement.phase);
    expect(got.message).toContain(c.expect.measurement.message);
  });
});

describe('conditions reaching for JavaScript', () => {
  it.each(loadCases('expression').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const [field, source] = Object.entries(c.input)[0] as [string, string];
    const refusedAtCompile = (() => {
      try {
        compile(source);
        return false;
      } catch (err) {
        if (err instanceof ExpressionSyntaxError) return true;
        throw err;
      }
    })();
    expect(refusedAtCompile).toBe(c.expect.stage === 'compile');
    const got = assessMeasurement([0.01], { [field]: source });
    expect(got.phase).toBe('Error');
    // The run reports compile errors as `metric "…": <message>`; the measurement says the same.
    expect(`metric "error-rate": ${got.message}`).toContain(c.expect.message);
  });
});
