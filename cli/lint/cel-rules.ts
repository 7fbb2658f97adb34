// The CRDs' CEL validation rules, re-expressed in TypeScript so files can be checked offline.
// Each entry is keyed by the exact rule text in crds/; cel-rules.test.ts fails when a CRD gains
// a rule that is missing here. `self` is the value the rule sits on, as in CEL.

type Check = (self: unknown) => boolean;

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** CEL `has(self.k)`: the field is present (nulls were pruned before validation). */
function has(v: unknown, key: string): boolean {
  return obj(v)[key] !== undefined;
}

function count(self: unknown, keys: readonly string[]): number {
  return keys.filter((k) => has(self, k)).length;
}

const exactlyOne =
  (...keys: string[]): Check =>
  (self) =>
    count(self, keys) === 1;

const atMostOne =
  (...keys: string[]): Check =>
  (self) =>
    count(self, keys) <= 1;

const either =
  (a: string, b: string): Check =>
  (self) =>
    has(self, a) !== has(self, b);

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

/** `type(x) == int ? x == 0 : x == '0%'`. */
function isZero(v: unknown): boolean {
  return typeof v === 'number' ? v === 0 : v === '0%';
}

const GIT_URL = /^(https?|ssh|git):\/\/[^\s/]+(\/\S*)?$/;
const SCP_LIKE = /^[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:\S+$/;

export const CEL_RULES: ReadonlyMap<string, Check> = new Map<string, Check>([
  [
    '[has(self.secretKeyRef), has(self.podTemplateHashValue), has(self.fieldRef)].filter(x, x).size() == 1',
    exactlyOne('secretKeyRef', 'podTemplateHashValue', 'fieldRef'),
  ],
  ['!(has(self.value) && has(self.valueFrom))', (s) => !(has(s, 'value') && has(s, 'valueFrom'))],
  ['[has(self.prometheus), has(self.web)].filter(x, x).size() == 1', exactlyOne('prometheus', 'web')],
  ['[has(self.basic), has(self.bearer)].filter(x, x).size() <= 1', atMostOne('basic', 'bearer')],
  [
    "!has(self.body) || (has(self.method) && self.method != 'GET')",
    (s) => !has(s, 'body') || (has(s, 'method') && obj(s).method !== 'GET'),
  ],
  [
    "self.matches(r'^(https?|ssh|git)://[^\\s/]+(/\\S*)?$') || self.matches(r'^[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:\\S+$')",
    (s) => typeof s === 'string' && (GIT_URL.test(s) || SCP_LIKE.test(s)),
  ],
  ['has(self.template) != has(self.workloadRef)', either('template', 'workloadRef')],
  ['has(self.httpRoute) != has(self.httpRoutes)', either('httpRoute', 'httpRoutes')],
  ['has(self.canary) != has(self.blueGreen)', either('canary', 'blueGreen')],
  [
    '[has(self.weight), has(self.replicas), has(self.matchTrafficWeight)].filter(x, x).size() == 1',
    exactlyOne('weight', 'replicas', 'matchTrafficWeight'),
  ],
  [
    '[has(self.setWeight), has(self.pause), has(self.analysis), has(self.setCanaryScale)].filter(x, x).size() == 1',
    exactlyOne('setWeight', 'pause', 'analysis', 'setCanaryScale'),
  ],
  [
    '[has(self.nginx), has(self.istio), has(self.smi), has(self.gatewayAPI)].filter(x, x).size() == 1',
    exactlyOne('nginx', 'istio', 'smi', 'gatewayAPI'),
  ],
  [
    '[has(self.branch), has(self.tag), has(self.semver), has(self.name), has(self.commit)].filter(x, x).size() <= 1',
    atMostOne('branch', 'tag', 'semver', 'name', 'commit'),
  ],
  [
    '(has(self.progressDeadlineSeconds) ? self.progressDeadlineSeconds : 600) > (has(self.minReadySeconds) ? self.minReadySeconds : 0)',
    (s) => numberOr(obj(s).progressDeadlineSeconds, 600) > numberOr(obj(s).minReadySeconds, 0),
  ],
  ["!self.startsWith('/')", (s) => typeof s !== 'string' || !s.startsWith('/')],
  ["!self.matches(r'(^|/)\\.\\.(/|$)')", (s) => typeof s !== 'string' || !/(^|\/)\.\.(\/|$)/.test(s)],
  [
    '!has(self.trafficRouting) || (has(self.canaryService) && has(self.stableService))',
    (s) => !has(s, 'trafficRouting') || (has(s, 'canaryService') && has(s, 'stableService')),
  ],
  [
    '!has(self.template) || (has(self.selector) && ((has(self.selector.matchLabels) && size(self.selector.matchLabels) > 0) || (has(self.selector.matchExpressions) && size(self.selector.matchExpressions) > 0)))',
    (s) => {
      if (!has(s, 'template')) return true;
      const sel = obj(obj(s).selector);
      const labels = Object.keys(obj(sel.matchLabels)).length;
      const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
      return has(s, 'selector') && (labels > 0 || exprs > 0);
    },
  ],
  [
    '!has(self.strategy.blueGreen) || !has(self.strategy.blueGreen.scaleDownDelayRevisionLimit) || self.strategy.blueGreen.scaleDownDelayRevisionLimit <= (has(self.revisionHistoryLimit) ? self.revisionHistoryLimit : 10)',
    (s) => {
      const bg = obj(obj(obj(s).strategy).blueGreen);
      if (!has(bg, 'scaleDownDelayRevisionLimit')) return true;
      return numberOr(bg.scaleDownDelayRevisionLimit, 0) <= numberOr(obj(s).revisionHistoryLimit, 10);
    },
  ],
  [
    '!has(self.steps) || has(self.trafficRouting) || !self.steps.exists(s, has(s.setCanaryScale))',
    (s) => {
      const steps = obj(s).steps;
      if (!Array.isArray(steps) || has(s, 'trafficRouting')) return true;
      return !steps.some((step) => has(step, 'setCanaryScale'));
    },
  ],
  [
    '!has(self.spec.dependsOn) || !self.spec.dependsOn.exists(d, d.name == self.metadata.name && !has(d.namespace))',
    (s) => {
      const deps = obj(obj(s).spec).dependsOn;
      const name = obj(obj(s).metadata).name;
      if (!Array.isArray(deps)) return true;
      return !deps.some((d) => obj(d).name === name && !has(d, 'namespace'));
    },
  ],
  [
    '!has(self.scaleDownDelaySeconds) || has(self.trafficRouting)',
    (s) => !has(s, 'scaleDownDelaySeconds') || has(s, 'trafficRouting'),
  ],
  [
    '!has(self.previewService) || self.previewService != self.activeService',
    (s) => !has(s, 'previewService') || obj(s).previewService !== obj(s).activeService,
  ],
  [
    '!has(self.dynamicStableScale) || !self.dynamicStableScale || has(self.trafficRouting)',
    (s) => obj(s).dynamicStableScale !== true || has(s, 'trafficRouting'),
  ],
  [
    '!has(self.dynamicStableScale) || !self.dynamicStableScale || !has(self.scaleDownDelaySeconds)',
    (s) => obj(s).dynamicStableScale !== true || !has(s, 'scaleDownDelaySeconds'),
  ],
  [
    '!has(self.canaryService) || !has(self.stableService) || self.canaryService != self.stableService',
    (s) =>
      !has(s, 'canaryService') || !has(s, 'stableService') || obj(s).canaryService !== obj(s).stableService,
  ],
  [
    '!has(self.analysis) || !has(self.analysis.startingStep) || (has(self.steps) && self.analysis.startingStep < size(self.steps))',
    (s) => {
      const analysis = obj(obj(s).analysis);
      if (!has(analysis, 'startingStep')) return true;
      const steps = obj(s).steps;
      return Array.isArray(steps) && numberOr(analysis.startingStep, 0) < steps.length;
    },
  ],
  [
    "!(has(self.maxSurge) && has(self.maxUnavailable) && (type(self.maxSurge) == int ? self.maxSurge == 0 : self.maxSurge == '0%') && (type(self.maxUnavailable) == int ? self.maxUnavailable == 0 : self.maxUnavailable == '0%'))",
    (s) =>
      !(
        has(s, 'maxSurge') &&
        has(s, 'maxUnavailable') &&
        isZero(obj(s).maxSurge) &&
        isZero(obj(s).maxUnavailable)
      ),
  ],
]);
