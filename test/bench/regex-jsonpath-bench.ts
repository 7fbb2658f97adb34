// Regular expressions and JSONPath as Sluice runs them, against the alternatives, on speed and
// on hostile input. `matches` runs on re2js (it replaced a hand-written RE2 subset that was 4 to
// 1000 times slower here); the web provider's own JSONPath subset is compared with jsonpath-plus
// with eval disabled. Prints a table; needs no cluster: `node test/bench/regex-jsonpath-bench.ts`.

import { JSONPath } from 'jsonpath-plus';
import { RE2JS } from 're2js';
import { compileRegex, regexMatches } from '../../controller/analysis/expression/regex.ts';
import { evaluateJsonPath, parseJsonPath } from '../../controller/analysis/providers/web/json-path.ts';

const BUDGET = Number.POSITIVE_INFINITY;

/** Runs `fn` for about `ms` and returns microseconds per call (median of five rounds). */
function time(fn: () => unknown, ms = 200): number {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ms / 5) {
      fn();
      n++;
    }
    rounds.push(((performance.now() - start) * 1000) / n);
  }
  return rounds.sort((a, b) => a - b)[2] as number;
}

const rows: string[][] = [['case', 'sluice µs/op', 'library µs/op', 'native RegExp µs/op']];
const fmt = (us: number) => (us < 10 ? us.toFixed(2) : us.toFixed(0));

const REGEX_CASES: { name: string; pattern: string; subject: string; native: boolean }[] = [
  {
    name: 'semver tag (anchored, short)',
    pattern: '^v[0-9]+\\.[0-9]+\\.[0-9]+$',
    subject: 'v1.22.3',
    native: true,
  },
  {
    name: 'alternation in 10 kB log',
    pattern: '(?i)timeout|refused',
    subject: `${'ok '.repeat(3400)}Timeout`,
    native: true,
  },
  {
    name: 'class + repeat, 1 kB',
    pattern: '^[a-z0-9-]{1,63}(\\.[a-z0-9-]{1,63})*$',
    subject: `${'a'.repeat(60)}.`.repeat(16).slice(0, -1),
    native: true,
  },
  // Exponential for a backtracking engine: JS RegExp is not run on these.
  { name: 'ReDoS (a+)+$ on a×30!', pattern: '(a+)+$', subject: `${'a'.repeat(30)}!`, native: false },
  { name: 'ReDoS (a|aa)*c on a×5000', pattern: '(a|aa)*c', subject: 'a'.repeat(5000), native: false },
];

for (const c of REGEX_CASES) {
  const ours = compileRegex(c.pattern);
  const lib = RE2JS.compile(
    c.pattern.replace('(?i)', ''),
    c.pattern.startsWith('(?i)') ? RE2JS.CASE_INSENSITIVE : 0,
  );
  const nativeRe = new RegExp(c.pattern.replace('(?i)', ''), c.pattern.startsWith('(?i)') ? 'iu' : 'u');
  const a = regexMatches(ours, c.subject, () => BUDGET);
  const b = lib.test(c.subject);
  if (a !== b) throw new Error(`${c.name}: ours says ${a}, re2js says ${b}`);
  rows.push([
    `regex: ${c.name}`,
    fmt(time(() => regexMatches(ours, c.subject, () => BUDGET))),
    fmt(time(() => lib.test(c.subject))),
    c.native ? fmt(time(() => nativeRe.test(c.subject))) : 'exponential',
  ]);
}

const prometheus = {
  status: 'success',
  data: { resultType: 'vector', result: [{ metric: { job: 'web' }, value: [1_700_000_000, '0.995'] }] },
};
const big = { items: Array.from({ length: 10_000 }, (_, i) => ({ name: `item-${i}`, ok: i % 2 === 0 })) };
const JSONPATH_CASES: { name: string; path: string; doc: unknown }[] = [
  { name: 'one field, Prometheus-shaped reply', path: '$.data.result[0].value[1]', doc: prometheus },
  { name: 'wildcard over 10,000 items', path: '$.items[*].ok', doc: big },
];
for (const c of JSONPATH_CASES) {
  const ours = parseJsonPath(`{${c.path}}`);
  const a = evaluateJsonPath(ours, c.doc);
  const b: unknown = JSONPath({ path: c.path, json: c.doc as object, eval: false, wrap: true });
  const ourValues = a.found ? (ours.multiple ? a.value : [a.value]) : [];
  if (JSON.stringify(ourValues) !== JSON.stringify(b)) throw new Error(`${c.name}: results differ`);
  rows.push([
    `jsonpath: ${c.name} (parse + walk)`,
    fmt(time(() => evaluateJsonPath(parseJsonPath(`{${c.path}}`), c.doc))),
    fmt(time(() => JSONPath({ path: c.path, json: c.doc as object, eval: false, wrap: true }))),
    '',
  ]);
}

const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
