import { describe, expect, it } from 'vitest';
import type { Alert } from '../api/notification.ts';
import { AlertSpecError, alertMatches, compileAlert } from './match.ts';
import { testEvent } from './test-events.ts';

function alert(spec: Partial<Alert['spec']>): Alert {
  return {
    metadata: { name: 'a', namespace: 'shop' },
    spec: { providerRef: { name: 'p' }, eventSources: [{ kind: 'Rollout', name: '*' }], ...spec },
  };
}

const matches = (spec: Partial<Alert['spec']>, over = {}) =>
  alertMatches(compileAlert(alert(spec)), testEvent(over));

describe('alertMatches', () => {
  it('takes every severity at info and only errors at error', () => {
    expect(matches({}, { severity: 'info' })).toBe(true);
    expect(matches({ eventSeverity: 'error' }, { severity: 'info' })).toBe(false);
    expect(matches({ eventSeverity: 'error' })).toBe(true);
  });

  it('matches sources by kind, name, namespace (the Alert’s by default) and labels', () => {
    expect(matches({ eventSources: [{ kind: 'Application', name: '*' }] })).toBe(false);
    expect(matches({ eventSources: [{ kind: '*', name: 'web' }] })).toBe(true);
    expect(matches({ eventSources: [{ kind: 'Rollout', name: 'api' }] })).toBe(false);
    expect(matches({ eventSources: [{ kind: 'Rollout', name: 'web', namespace: 'other' }] })).toBe(false);
    expect(matches({}, { involvedObject: { kind: 'Rollout', name: 'web', namespace: 'other' } })).toBe(false);
    expect(matches({ eventSources: [{ kind: 'Rollout', name: '*', matchLabels: { team: 'a' } }] })).toBe(
      true,
    );
    expect(matches({ eventSources: [{ kind: 'Rollout', name: '*', matchLabels: { team: 'b' } }] })).toBe(
      false,
    );
    expect(
      matches({
        eventSources: [
          { kind: 'Application', name: 'x' },
          { kind: 'Rollout', name: 'web' },
        ],
      }),
    ).toBe(true);
  });

  it('applies the inclusion list, then the exclusion list, to the message', () => {
    expect(matches({ inclusionList: ['^Rollout aborted'] })).toBe(true);
    expect(matches({ inclusionList: ['promoted', 'error-rate'] })).toBe(true);
    expect(matches({ inclusionList: ['^promoted'] })).toBe(false);
    expect(matches({ exclusionList: ['value \\[0\\.3'] })).toBe(false);
    expect(matches({ inclusionList: ['aborted'], exclusionList: ['latency'] })).toBe(true);
  });

  it('refuses a pattern that is not RE2, naming the list and index', () => {
    expect(() => compileAlert(alert({ exclusionList: ['ok', '(a'] }))).toThrow(AlertSpecError);
    expect(() => compileAlert(alert({ exclusionList: ['ok', '(a'] }))).toThrow(
      /^spec\.exclusionList\[1\]: invalid regular expression "\(a": missing closing \)/,
    );
    // Lookaround is not RE2: refused rather than silently different.
    expect(() => compileAlert(alert({ inclusionList: ['(?=x)'] }))).toThrow(/spec\.inclusionList\[0\]/);
  });
});
