import type { Logger } from './logger.ts';

type Bindings = Record<string, unknown>;
const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noop = () => undefined;

/**
 * `parent.child(bindings)`, made only when something is logged through it at a level the
 * parent writes. A pino child costs about ten microseconds (its bindings are serialised up
 * front), and the controller makes one per reconcile: a push to a repository a thousand
 * Applications share is a thousand reconciles that, at the default level, log nothing.
 */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  let child: Logger | undefined;
  const made = () => {
    child ??= parent.child(bindings);
    return child;
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (!child && typeof prop === 'string' && LEVELS.has(prop) && !parent.isLevelEnabled(prop)) return noop;
      const logger = made();
      const value: unknown = Reflect.get(logger, prop, logger);
      if (typeof value !== 'function') return value;
      let fn = bound.get(prop);
      if (fn === undefined) {
        fn = value.bind(logger);
        bound.set(prop, fn);
      }
      return fn;
    },
    set(_target, prop, value) {
      return Reflect.set(made(), prop, value);
    },
    has(_target, prop) {
      return Reflect.has(made(), prop);
    },
  });
}
