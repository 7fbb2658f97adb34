// Go's time.ParseDuration, which Argo Rollouts uses for `interval` and `initialDelay`:
// a sequence of decimal numbers with units, e.g. `300ms`, `1.5h`, `1m30s`, `-2h45m`, or `0`.

export class DurationParseError extends Error {
  override readonly name = 'DurationParseError';
  readonly input: string;

  /** `problem` is Go's wording: `invalid duration`, `missing unit in duration`, ... */
  constructor(input: string, problem: string) {
    super(`time: ${problem} ${JSON.stringify(input)}`);
    this.input = input;
  }
}

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-6],
  ['us', 1e-3],
  ['µs', 1e-3], // U+00B5 micro sign
  ['μs', 1e-3], // U+03BC Greek mu
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
]);

/** Go's limit: a duration is an int64 count of nanoseconds (about 292 years). */
const MAX_MS = 2 ** 63 / 1e6;

/** Milliseconds in a Go duration string; throws `DurationParseError`. */
export function parseDuration(input: string): number {
  let rest = input;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new DurationParseError(input, 'invalid duration');
  let total = 0;
  while (rest !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const whole = number?.[1] ?? '';
    const fraction = number?.[2] ?? '';
    if (number === null || (whole === '' && fraction === ''))
      throw new DurationParseError(input, 'invalid duration');
    rest = rest.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? '';
    if (unit === '') throw new DurationParseError(input, 'missing unit in duration');
    const scale = UNIT_MS.get(unit);
    if (scale === undefined)
      throw new DurationParseError(input, `unknown unit ${JSON.stringify(unit)} in duration`);
    rest = rest.slice(unit.length);
    total += Number(`${whole || '0'}.${fraction || '0'}`) * scale;
    if (total > MAX_MS) throw new DurationParseError(input, 'invalid duration');
  }
  return sign * total;
}

/** Go's spelling of a duration, for messages: `1m30s`, `500ms`, `2h0m0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${Number(rest.toFixed(6))}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = `${Number((rest / 1000).toFixed(9))}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

/** Spreads periodic work so objects created together do not reconcile in lockstep. */
export function jitter(ms: number, fraction = 0.1): number {
  return Math.round(ms * (1 - fraction / 2 + Math.random() * fraction));
}
