// How long hostile analysis conditions run before the expression budget stops them: the
// CPU cost a bad successCondition can put on the controller. The security tests assert that
// each one is stopped (by step budget or limit); this prints what that costs, per case and
// per million steps, so a change to the evaluator can be compared in one run.
// Needs no cluster: `npm run bench:expressions`.

import { compile, DEFAULT_LIMITS, evaluate } from '../../controller/analysis/expression/index.ts';

const CASES: { name: string; source: string; vars?: Record<string, unknown> }[] = [
  { name: 'nested loops to the step budget', source: 'map(1..10000, map(1..10000, # * 2))' },
  { name: 'three nested all() to the budget', source: 'all(1..10000, all(1..10000, all(1..10000, # > 0)))' },
  { name: 'walk of a value doubled 40 times', source: 'string(reduce(1..40, [#acc, #acc], 1))' },
  {
    name: 'comparison of two doubled values',
    source: 'reduce(1..40, [#acc, #acc], 1) == reduce(1..40, [#acc, #acc], 1)',
  },
  { name: 'string doubled past the limit', source: 'reduce(1..40, #acc + #acc, "ab")' },
  {
    name: 'hostile regex on 5,000 characters',
    source: 'result matches "(a+)+$"',
    vars: { result: `${'a'.repeat(5000)}!` },
  },
  { name: 'regex on 60,000 characters', source: 'result matches "b"', vars: { result: 'a'.repeat(60_000) } },
];

/** Median of five runs, in milliseconds, and how the run ended. */
function measure(source: string, vars: Record<string, unknown>): { ms: number; outcome: string } {
  const compiled = compile(source);
  const times: number[] = [];
  let outcome = '';
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    try {
      outcome = `value ${JSON.stringify(evaluate(compiled, vars)).slice(0, 20)}`;
    } catch (err) {
      outcome = (err as Error).name;
    }
    times.push(performance.now() - started);
  }
  return { ms: times.sort((a, b) => a - b)[2] as number, outcome };
}

const rows = [['case', 'median ms', 'ended with']];
for (const c of CASES) {
  const { ms, outcome } = measure(c.source, c.vars ?? {});
  rows.push([c.name, ms.toFixed(1), outcome]);
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
console.log(`\nstep budget ${DEFAULT_LIMITS.maxSteps.toLocaleString()}; ${process.version}, one core`);
