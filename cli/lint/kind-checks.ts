// Checks beyond the schema that the controller makes when it uses an object: analysis
// conditions must compile, placeholders must name declared arguments, and a Rollout's selector
// must match its pod template. Each finding carries the path it is about.

import { referencedArgs, substituteText } from '../../controller/analysis/args.ts';
import { compile, ExpressionSyntaxError } from '../../controller/analysis/expression/index.ts';
import type { AnalysisTemplateSpec } from '../../controller/api/analysis.ts';
import type { RolloutSpec } from '../../controller/api/rollout.ts';
import { routeStepProblems, selectorMatches } from '../../controller/rollouts/validate.ts';
import type { Path } from './validate-schema.ts';

export interface Finding {
  path: Path;
  message: string;
  at: 'key' | 'value';
  /** For expression errors: the offset inside the string value at `path`. */
  offset?: number;
}

const CONDITIONS = ['successCondition', 'failureCondition'] as const;

export function checkAnalysisTemplate(spec: AnalysisTemplateSpec | undefined): Finding[] {
  const out: Finding[] = [];
  if (!spec || !Array.isArray(spec.metrics)) return out;
  const args = new Map<string, string | undefined>();
  for (const a of Array.isArray(spec.args) ? spec.args : []) if (a?.name) args.set(a.name, a.value);
  spec.metrics.forEach((metric, i) => {
    if (!metric || typeof metric !== 'object') return;
    visitStrings(metric, ['spec', 'metrics', i], (text, path) => {
      for (const name of referencedArgs(text)) {
        if (!args.has(name)) {
          out.push({
            path,
            message: `{{args.${name}}} refers to an argument that spec.args does not declare`,
            at: 'value',
          });
        }
      }
    });
    for (const field of CONDITIONS) {
      const source = metric[field];
      if (typeof source !== 'string' || source.trim() === '') continue;
      const finding = checkCondition(source, args, ['spec', 'metrics', i, field]);
      if (finding) out.push(finding);
    }
  });
  return out;
}

function checkCondition(
  source: string,
  args: Map<string, string | undefined>,
  path: Path,
): Finding | undefined {
  const referenced = referencedArgs(source);
  // Conditions with placeholders are compiled once the values are known, as the controller does;
  // with literal defaults in spec.args they can be checked now.
  if (referenced.some((n) => args.get(n) === undefined)) return undefined;
  let text = source;
  if (referenced.length > 0) {
    const values = new Map([...args].filter((e): e is [string, string] => e[1] !== undefined));
    text = substituteText(source, values);
  }
  try {
    compile(text);
    return undefined;
  } catch (err) {
    if (!(err instanceof ExpressionSyntaxError)) throw err;
    const field = path[path.length - 1];
    if (referenced.length > 0) {
      return {
        path,
        message: `invalid ${String(field)} (with argument defaults): ${err.summary}`,
        at: 'value',
      };
    }
    return { path, message: `invalid ${String(field)}: ${err.reason}`, at: 'value', offset: err.position };
  }
}

function visitStrings(value: unknown, path: Path, fn: (text: string, path: Path) => void): void {
  if (typeof value === 'string') fn(value, path);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) visitStrings(v, [...path, i], fn);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) visitStrings(v, [...path, k], fn);
  }
}

export function checkRollout(spec: RolloutSpec | undefined): Finding[] {
  const out: Finding[] = [];
  if (!spec || typeof spec !== 'object') return out;
  if (
    spec.template &&
    spec.selector &&
    !selectorMatches(spec.selector, spec.template.metadata?.labels ?? {})
  ) {
    out.push({
      path: ['spec', 'selector'],
      message: 'does not match the labels of spec.template',
      at: 'key',
    });
  }
  const canary = spec.strategy?.canary;
  if (canary && typeof canary === 'object') {
    for (const p of routeStepProblems(canary)) out.push({ path: p.path, message: p.message, at: 'key' });
  }
  return out;
}
