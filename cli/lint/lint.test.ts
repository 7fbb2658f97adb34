import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LineCounter, parse, parseDocument } from 'yaml';
import { compileRule, evaluateRule } from './cel-rules.ts';
import { loadKindSchemas, rulesIn } from './crd-schemas.ts';
import { formatDiagnostic, lintText } from './lint-text.ts';
import { findNode, position, scalarOffset } from './locate.ts';

const schemas = loadKindSchemas();
const fixtures = new URL('../../test/fixtures/lint/', import.meta.url);
const argoExamples = new URL('../../test/e2e/fixtures/', import.meta.url);

function lintFixture(dir: URL, file: string): string[] {
  const text = readFileSync(new URL(file, dir), 'utf8');
  return lintText(text, file, schemas).diagnostics.map(formatDiagnostic);
}

describe('lint: good files have no problems', () => {
  const good = [
    ...readdirSync(new URL('good/', fixtures)).map((f) => [new URL('good/', fixtures), f] as const),
    ...readdirSync(argoExamples, { withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => [argoExamples, f.name] as const),
  ];
  it.each(good)('%s%s', (dir, file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const result = lintText(text, file, schemas);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.checked).toBeGreaterThan(0);
  });
});

// Each bad file with every problem it must report, at the line and column of the culprit.
const BAD: Record<string, string[]> = {
  'rollout-steps.yaml': [
    'rollout-steps.yaml:16:7: spec.strategy.canary.steps: setWeight must be at most trafficRouting.maxTrafficWeight (100 unless set)',
    'rollout-steps.yaml:17:11: spec.strategy.canary.steps[0]: a canary step must set exactly one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute, setMirrorRoute, experiment',
    'rollout-steps.yaml:20:11: spec.strategy.canary.steps[2]: a canary step must set exactly one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute, setMirrorRoute, experiment',
    'rollout-steps.yaml:21:22: spec.strategy.canary.steps[3].setWeight: must be of type integer, not string',
    'rollout-steps.yaml:22:30: spec.strategy.canary.steps[4].pause.duration: "5 minutes" does not match ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$',
  ],
  'rollout-strategy.yaml': [
    `rollout-strategy.yaml:4:9: metadata.name: "Web_App" is not a valid name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    'rollout-strategy.yaml:6:3: spec.replica: unknown field "replica"',
    'rollout-strategy.yaml:7:3: spec.selector: does not match the labels of spec.template',
    'rollout-strategy.yaml:12:3: spec.strategy: strategy must set exactly one of canary, blueGreen',
    'rollout-strategy.yaml:14:7: spec.strategy.canary.maxSurge: maxSurge and maxUnavailable cannot both be 0',
    'rollout-strategy.yaml:18:7: spec.strategy.blueGreen.previewService: activeService and previewService must be different Services',
  ],
  'rollout-traffic-routing.yaml': [
    'rollout-traffic-routing.yaml:15:7: spec.strategy.canary.trafficRouting: trafficRouting requires canaryService and stableService, unless it is Istio alone with a destinationRule',
    'rollout-traffic-routing.yaml:18:9: spec.strategy.canary.trafficRouting.istio: istio must set exactly one of virtualService, virtualServices',
    'rollout-traffic-routing.yaml:22:35: spec.strategy.canary.trafficRouting.istio.virtualServices[0].tcpRoutes[0].port: must be at least 1 (is 0)',
    'rollout-traffic-routing.yaml:23:11: spec.strategy.canary.trafficRouting.istio.destinationRule: canarySubsetName and stableSubsetName must be different subsets',
    'rollout-traffic-routing.yaml:27:33: spec.strategy.canary.trafficRouting.managedRoutes[0].name: "Header_1" does not match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
    'rollout-traffic-routing.yaml:45:7: spec.strategy.canary.trafficRouting: trafficRouting must set at least one of nginx, istio, smi, gatewayAPI, alb, ambassador, traefik, apisix',
    'rollout-traffic-routing.yaml:66:7: spec.strategy.canary.steps: setHeaderRoute and setMirrorRoute steps must name one of trafficRouting.managedRoutes',
    'rollout-traffic-routing.yaml:67:11: spec.strategy.canary.steps[0].setHeaderRoute: the smi router does not support setHeaderRoute steps',
    'rollout-traffic-routing.yaml:68:13: spec.strategy.canary.steps[0].setHeaderRoute.name: "heder" is not one of trafficRouting.managedRoutes (header)',
    'rollout-traffic-routing.yaml:70:11: spec.strategy.canary.steps[1].setMirrorRoute: the smi router does not support setMirrorRoute steps',
    'rollout-traffic-routing.yaml:72:23: spec.strategy.canary.steps[1].setMirrorRoute.match[0].path: set exactly one of exact, prefix, regex',
  ],
  'analysis-conditions.yaml': [
    'analysis-conditions.yaml:10:45: spec.metrics[0].successCondition: invalid successCondition: unexpected end of expression',
    'analysis-conditions.yaml:14:18: spec.metrics[0].provider.prometheus.query: {{args.env}} refers to an argument that spec.args does not declare',
    'analysis-conditions.yaml:19:22: spec.metrics[1].failureCondition: invalid failureCondition: unexpected token ">"',
    'analysis-conditions.yaml:24:7: spec.metrics[2]: duplicate of item 1 (same name)',
    'analysis-conditions.yaml:26:7: spec.metrics[2].provider: provider must set exactly one of prometheus, web, job',
  ],
  'application-helm.yaml': [
    'application-helm.yaml:13:18: spec.helm.releaseName: "Shop_Prod" does not match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
    'application-helm.yaml:14:5: spec.helm.valueFiles: unknown field "valueFiles"',
    'application-helm.yaml:16:15: spec.helm.valuesFrom[0].kind: "Configmap" is not one of: "ConfigMap", "Secret"',
    'application-helm.yaml:20:21: spec.helm.valuesFrom[1].targetPath: "db[0].password" does not match ^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$',
  ],
  'application.yaml': [
    'application.yaml:5:1: spec: missing required field "prune"',
    'application.yaml:7:11: spec.sourceRef.kind: "Bucket" is not one of: "GitRepository"',
    "application.yaml:9:9: spec.path: path must not contain '..' segments",
    'application.yaml:10:13: spec.interval: "10 minutes" does not match ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$',
    'application.yaml:11:3: spec.dependsOn: an Application cannot depend on itself',
  ],
  'argo-api-version.yaml': [
    'argo-api-version.yaml:1:13: apiVersion: use apiVersion sluice.dev/v1alpha1: Sluice reads Rollout with the same fields',
    'argo-api-version.yaml:10:7: kind: sluice.dev does not serve kind "Canary" in sluice.dev/v1alpha1',
  ],
  'not-yaml.yaml': ['not-yaml.yaml:5:3: Map keys must be unique'],
};

describe('lint: bad files', () => {
  it('covers every file in test/fixtures/lint/bad', () => {
    expect(readdirSync(new URL('bad/', fixtures)).sort()).toEqual(Object.keys(BAD).sort());
  });
  it.each(Object.entries(BAD))('%s', (file, expected) => {
    expect(lintFixture(new URL('bad/', fixtures), file)).toEqual(expected);
  });
});

describe('lint: CEL rules', () => {
  it('compiles every rule in crds/', () => {
    const rules = [...schemas.values()].flatMap((s) => rulesIn(s.schema));
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(() => compileRule(rule), rule).not.toThrow();
  });

  it('evaluates rule text as CEL, with YAML integers as int', () => {
    const zero = "type(self.x) == int ? self.x == 0 : self.x == '0%'";
    expect(evaluateRule(zero, { x: 0 })).toEqual({ ok: true });
    expect(evaluateRule(zero, { x: '0%' })).toEqual({ ok: true });
    expect(evaluateRule('self.items.exists(i, i.startsWith("a"))', { items: ['b'] })).toEqual({ ok: false });
    expect(evaluateRule('self.missing == 1', {}).error).toMatch(/No such key/);
    expect(evaluateRule('self == oldSelf', 1)).toEqual({ ok: true });
  });

  it('checks the rules of List items and reports them under items[n]', () => {
    const text = `apiVersion: v1
kind: List
items:
  - apiVersion: sluice.dev/v1alpha1
    kind: GitRepository
    metadata: {name: repo}
    spec:
      url: git@github.com:org/repo.git
      interval: 1m
      ref: {branch: main, tag: v1}
`;
    const out = lintText(text, 'list.yaml', schemas).diagnostics.map(formatDiagnostic);
    expect(out).toEqual([
      'list.yaml:10:7: spec.ref: ref may set at most one of branch, tag, semver, name, commit',
    ]);
  });
});

describe('lint: positions inside strings', () => {
  const at = (text: string, path: (string | number)[], offset: number) => {
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc });
    const o = scalarOffset(findNode(doc, path).node, text, offset);
    return o === undefined ? undefined : position(lc, o);
  };

  it('maps offsets in plain, quoted, literal and folded scalars', () => {
    expect(at('a: x > 1\n', ['a'], 2)).toEqual({ line: 1, column: 6 });
    expect(at('a: "x > 1"\n', ['a'], 2)).toEqual({ line: 1, column: 7 });
    expect(at('a: |\n  x > 1 &&\n    y\n', ['a'], 11)).toEqual({ line: 3, column: 5 });
    expect(at('a: >-\n  x >\n  y\n', ['a'], 4)).toEqual({ line: 3, column: 3 });
  });
});

describe('lint: the crds directory', () => {
  it('loads a schema for every sluice.dev kind', () => {
    expect([...schemas.values()].map((s) => s.kind).sort()).toEqual([
      'Alert',
      'AnalysisRun',
      'AnalysisTemplate',
      'Application',
      'ClusterAnalysisTemplate',
      'Experiment',
      'GitRepository',
      'HelmRepository',
      'Provider',
      'Rollout',
    ]);
  });
});

describe('lint: the kubectl bad-input cases', () => {
  // Every sluice.dev object the API server must refuse (test/bad-input/kubectl) is refused
  // offline too, with the same message; the good object applied before it passes.
  const dir = new URL('../../test/bad-input/kubectl/', import.meta.url);
  const cases = readdirSync(dir)
    .map((name) => parse(readFileSync(new URL(`${name}/case.yaml`, dir), 'utf8')) as BadInputCase)
    .filter((c) => c.input.bad.includes('apiVersion: sluice.dev/'));
  it('has cases', () => expect(cases.length).toBeGreaterThan(5));
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    // With the path, as the API server names fields in its message.
    const bad = lintText(c.input.bad, 'bad.yaml', schemas).diagnostics.map(formatDiagnostic);
    expect(bad.some((m) => m.includes(c.expect.refused.message))).toBe(true);
    if (c.input.good) expect(lintText(c.input.good, 'good.yaml', schemas).diagnostics).toEqual([]);
  });
});

interface BadInputCase {
  id: string;
  input: { good?: string; bad: string };
  expect: { refused: { message: string } };
}
