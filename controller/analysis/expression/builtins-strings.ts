// expr-lang's string builtins. Positions and lengths count UTF-16 units, not Go's bytes; the
// difference only shows with non-ASCII text, which analysis results rarely hold.

import { arr, type BuiltinSpec, integer, spec, str, wrongType } from './builtin-args.ts';

function goSplit(text: string, separator: string, limit: number): string[] {
  if (limit === 0) return [];
  const parts = separator === '' ? Array.from(text) : text.split(separator);
  if (limit < 0 || parts.length <= limit) return parts;
  // Go's SplitN keeps the unsplit remainder as the last part.
  const head = parts.slice(0, limit - 1);
  const consumed = head.reduce((total, part) => total + part.length + separator.length, 0);
  return [...head, text.slice(consumed)];
}

function trimSet(text: string, cutset: string): string {
  const cut = new Set(Array.from(cutset));
  const chars = Array.from(text);
  let from = 0;
  let to = chars.length;
  while (from < to && cut.has(chars[from] as string)) from++;
  while (to > from && cut.has(chars[to - 1] as string)) to--;
  return chars.slice(from, to).join('');
}

export const STRING_BUILTINS: ReadonlyArray<[string, BuiltinSpec]> = [
  ['upper', spec(1, 1, (args, ctx) => str(args, 0, ctx).toUpperCase())],
  ['lower', spec(1, 1, (args, ctx) => str(args, 0, ctx).toLowerCase())],
  [
    'trim',
    spec(1, 2, (args, ctx) => {
      const text = str(args, 0, ctx);
      return args.length === 1 ? text.trim() : trimSet(text, str(args, 1, ctx));
    }),
  ],
  [
    'trimPrefix',
    spec(1, 2, (args, ctx) => {
      const text = str(args, 0, ctx);
      const prefix = args.length === 2 ? str(args, 1, ctx) : ' ';
      return text.startsWith(prefix) ? text.slice(prefix.length) : text;
    }),
  ],
  [
    'trimSuffix',
    spec(1, 2, (args, ctx) => {
      const text = str(args, 0, ctx);
      const suffix = args.length === 2 ? str(args, 1, ctx) : ' ';
      return suffix !== '' && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
    }),
  ],
  [
    'split',
    spec(2, 3, (args, ctx) => {
      const text = str(args, 0, ctx);
      ctx.charge(text.length);
      return goSplit(text, str(args, 1, ctx), args.length === 3 ? integer(args, 2, ctx) : -1);
    }),
  ],
  [
    'join',
    spec(1, 2, (args, ctx) => {
      const list = arr(args, 0, ctx);
      ctx.charge(list.length);
      const parts = list.map((item) =>
        typeof item === 'string' ? item : wrongType(ctx, item, 'an array of strings'),
      );
      return ctx.checkString(parts.join(args.length === 2 ? str(args, 1, ctx) : ''));
    }),
  ],
  [
    'replace',
    spec(3, 3, (args, ctx) => {
      const text = str(args, 0, ctx);
      ctx.charge(text.length);
      return ctx.checkString(text.replaceAll(str(args, 1, ctx), str(args, 2, ctx)));
    }),
  ],
  ['indexOf', spec(2, 2, (args, ctx) => str(args, 0, ctx).indexOf(str(args, 1, ctx)))],
  ['lastIndexOf', spec(2, 2, (args, ctx) => str(args, 0, ctx).lastIndexOf(str(args, 1, ctx)))],
  ['hasPrefix', spec(2, 2, (args, ctx) => str(args, 0, ctx).startsWith(str(args, 1, ctx)))],
  ['hasSuffix', spec(2, 2, (args, ctx) => str(args, 0, ctx).endsWith(str(args, 1, ctx)))],
];
