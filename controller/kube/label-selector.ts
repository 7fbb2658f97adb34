/**
 * Kubernetes label selectors in their string form (`a=b,c!=d,e in (f,g),!h`), as the API
 * server takes them in `labelSelector`: parsed to refuse a bad one at start-up naming the
 * flag, and matched here for objects whose owner decides where they belong.
 */
interface Requirement {
  key: string;
  op: 'exists' | 'absent' | 'in' | 'notin';
  /** For in and notin (= and != are sets of one). */
  values: string[];
}

export type LabelSelector = Requirement[];

const NAME = '[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const KEY = new RegExp(`^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?/)?${NAME}$`);
const VALUE = new RegExp(`^(?:${NAME})?$`);

export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
}

export function parseLabelSelector(text: string): LabelSelector {
  const out: LabelSelector = [];
  for (const part of splitTopLevel(text)) {
    const req = parseRequirement(part.trim());
    if (!req)
      throw new LabelSelectorError(`invalid label selector requirement "${part.trim()}" in "${text}"`);
    out.push(req);
  }
  if (out.length === 0) throw new LabelSelectorError('empty label selector');
  return out;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return selector.every((r) => matchesOne(r, labels?.[r.key]));
}

function matchesOne(r: Requirement, value: string | undefined): boolean {
  if (r.op === 'exists' || r.op === 'absent') return (value !== undefined) === (r.op === 'exists');
  const listed = value !== undefined && r.values.includes(value);
  return r.op === 'in' ? listed : !listed;
}

/** Commas split requirements, except inside the parentheses of a set. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.length === 1 && parts[0]?.trim() === '' ? [] : parts;
}

function parseRequirement(part: string): Requirement | undefined {
  let m = /^!\s*(\S+)$/.exec(part);
  if (m) return validKey(m[1]) ? { key: m[1] as string, op: 'absent', values: [] } : undefined;
  m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(part);
  if (m) {
    const [, key, op, value] = m as unknown as [string, string, string, string];
    if (!validKey(key) || !VALUE.test(value)) return undefined;
    return { key, op: op === '!=' ? 'notin' : 'in', values: [value] };
  }
  m = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
  if (m) {
    const [, key, op, list] = m as unknown as [string, string, 'in' | 'notin', string];
    const values = list.split(',').map((v) => v.trim());
    if (!validKey(key) || !values.every((v) => VALUE.test(v))) return undefined;
    return { key, op, values };
  }
  return validKey(part) ? { key: part, op: 'exists', values: [] } : undefined;
}

function validKey(key: string | undefined): boolean {
  return key !== undefined && KEY.test(key);
}
