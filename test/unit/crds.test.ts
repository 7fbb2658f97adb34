import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ANALYSIS_PHASES,
  analysisRunResource,
  analysisTemplateResource,
  clusterAnalysisTemplateResource,
  POD_TEMPLATE_HASH_VALUES,
  WEB_METHODS,
} from '../../controller/api/analysis.ts';
import {
  applicationResource,
  CHART_SOURCE_KINDS,
  DELETION_POLICIES,
  HEALTH_STATUSES,
  SOURCE_KINDS,
  SYNC_OPTIONS,
  SYNC_RESULTS,
  SYNC_STATUSES,
} from '../../controller/api/application.ts';
import { experimentResource } from '../../controller/api/experiment.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { HELM_REPOSITORY_TYPES, helmRepositoryResource } from '../../controller/api/helm-repository.ts';
import {
  CONDITION_STATUSES,
  DURATION_PATTERN,
  GROUP,
  type SluiceResourceType,
  VERSION,
} from '../../controller/api/meta.ts';
import {
  LABEL_SELECTOR_OPERATORS,
  PAUSE_REASONS,
  ROLLOUT_PHASES,
  rolloutResource,
  WORKLOAD_SCALE_DOWN_MODES,
} from '../../controller/api/rollout.ts';

// The subset of JSONSchemaProps these checks read.
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  enum?: unknown[];
  pattern?: string;
  maxItems?: number;
  maxLength?: number;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule?: string; message?: string }[];
}

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns?: { name: string; jsonPath: string }[];
      subresources?: { status?: object; scale?: Record<string, string> };
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

const crdDir = new URL('../../crds/', import.meta.url);
const files = readdirSync(crdDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const crds = new Map(files.map((f) => [f, parse(readFileSync(new URL(f, crdDir), 'utf8')) as Crd]));

const resources: SluiceResourceType[] = [
  experimentResource,
  gitRepositoryResource,
  helmRepositoryResource,
  applicationResource,
  rolloutResource,
  analysisTemplateResource,
  clusterAnalysisTemplateResource,
  analysisRunResource,
];

function crdOf(rt: SluiceResourceType): Crd {
  const crd = crds.get(`${rt.plural}.${GROUP}.yaml`);
  if (!crd) throw new Error(`no CRD file for ${rt.kind}`);
  return crd;
}

function rootSchema(crd: Crd): Schema {
  const version = crd.spec.versions[0];
  if (!version) throw new Error(`${crd.metadata.name} has no version`);
  return version.schema.openAPIV3Schema;
}

/** Every schema node with its path; `[]` marks list items and `{}` map values. */
function* walk(node: Schema, path: string[] = []): Generator<[string[], Schema]> {
  yield [path, node];
  for (const [name, child] of Object.entries(node.properties ?? {})) yield* walk(child, [...path, name]);
  if (node.items) yield* walk(node.items, [...path, '[]']);
  if (typeof node.additionalProperties === 'object') yield* walk(node.additionalProperties, [...path, '{}']);
}

/** The node at a dotted path such as `status.metricResults[].phase`. */
function at(crd: Crd, path: string): Schema {
  let node: Schema | undefined = rootSchema(crd);
  for (const part of path.split('.')) {
    const list = part.endsWith('[]');
    node = node?.properties?.[list ? part.slice(0, -2) : part];
    if (list) node = node?.items;
  }
  if (!node) throw new Error(`${crd.metadata.name} has no ${path}`);
  return node;
}

describe('CRD files', () => {
  it('has one file per kind and nothing else', () => {
    expect(files).toEqual(resources.map((rt) => `${rt.plural}.${GROUP}.yaml`).sort());
  });

  describe.each([...crds])('%s', (file, crd) => {
    const version = crd.spec.versions[0];

    it('is an apiextensions.k8s.io/v1 CRD in the sluice.dev group named after the file', () => {
      expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(crd.kind).toBe('CustomResourceDefinition');
      expect(crd.spec.group).toBe(GROUP);
      expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.${GROUP}`);
      expect(file).toBe(`${crd.metadata.name}.yaml`);
    });

    it('serves and stores exactly one version with a status subresource', () => {
      expect(crd.spec.versions).toHaveLength(1);
      expect(version?.name).toBe(VERSION);
      expect(version?.served).toBe(true);
      expect(version?.storage).toBe(true);
      expect(version?.subresources?.status).toEqual({});
    });

    it('is in the sluice category and has printer columns', () => {
      expect(crd.spec.names.categories).toContain('sluice');
      expect(crd.spec.names.shortNames?.length).toBeGreaterThan(0);
      expect(version?.additionalPrinterColumns?.map((c) => c.name)).toContain('Age');
    });

    it('gives every validation rule a message', () => {
      for (const [path, node] of walk(rootSchema(crd))) {
        for (const v of node['x-kubernetes-validations'] ?? []) {
          expect(v.rule, path.join('.')).toBeTruthy();
          expect(v.message, `${path.join('.')}: ${v.rule}`).toMatch(/\S/);
        }
      }
    });

    it('is structural: every node has a type unless it is int-or-string or opaque', () => {
      for (const [path, node] of walk(rootSchema(crd))) {
        const where = path.join('.') || '(root)';
        if (node['x-kubernetes-int-or-string']) {
          expect(node.type, where).toBeUndefined();
        } else if (node['x-kubernetes-preserve-unknown-fields']) {
          expect(node.type ?? 'object', where).toBe('object');
        } else {
          expect(node.type, where).toBeTypeOf('string');
        }
        // Only the int-or-string form may name types below anyOf.
        if (node.anyOf && !node['x-kubernetes-int-or-string']) {
          for (const alt of node.anyOf) expect(alt.type, where).toBeUndefined();
        }
      }
    });

    it('bounds the lists and strings that validation rules iterate over', () => {
      // The API server multiplies a rule's cost by the size of every enclosing list, and
      // charges string functions by maxLength, so unbounded ones exhaust the budget.
      const nodes = [...walk(rootSchema(crd))];
      for (const [path, node] of nodes) {
        const rules = node['x-kubernetes-validations'] ?? [];
        if (rules.length === 0) continue;
        for (let i = 0; i < path.length; i++) {
          if (path[i] !== '[]') continue;
          const list = nodes.find(([p]) => p.join('.') === path.slice(0, i).join('.'))?.[1];
          expect(list?.maxItems, `list above ${path.join('.')}`).toBeTypeOf('number');
        }
        if (node.type === 'string' && rules.some((r) => r.rule?.includes('self.matches('))) {
          expect(node.maxLength, path.join('.')).toBeTypeOf('number');
        }
      }
    });
  });
});

describe('controller/api constants', () => {
  it.each(resources.map((rt) => [rt.kind, rt] as const))('%s matches its CRD', (_kind, rt) => {
    const crd = crdOf(rt);
    expect(rt.group).toBe(crd.spec.group);
    expect(rt.version).toBe(crd.spec.versions[0]?.name);
    expect(crd.spec.names).toMatchObject({
      kind: rt.kind,
      listKind: `${rt.kind}List`,
      plural: rt.plural,
      singular: rt.singular,
      shortNames: [...rt.shortNames],
    });
    expect(crd.spec.scope).toBe(rt.namespaced ? 'Namespaced' : 'Cluster');
  });

  it('uses short names that do not collide with each other', () => {
    const names = resources.flatMap((rt) => rt.shortNames);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each([
    [gitRepositoryResource, 'status.conditions[].status', CONDITION_STATUSES],
    [applicationResource, 'spec.sourceRef.kind', SOURCE_KINDS],
    [applicationResource, 'spec.helm.chart.sourceRef.kind', CHART_SOURCE_KINDS],
    [helmRepositoryResource, 'spec.type', HELM_REPOSITORY_TYPES],
    [applicationResource, 'spec.syncPolicy.syncOptions[]', SYNC_OPTIONS],
    [applicationResource, 'status.syncStatus', SYNC_STATUSES],
    [applicationResource, 'status.health', HEALTH_STATUSES],
    [applicationResource, 'status.history[].result', SYNC_RESULTS],
    [applicationResource, 'spec.deletionPolicy', DELETION_POLICIES],
    [rolloutResource, 'status.phase', ROLLOUT_PHASES],
    [rolloutResource, 'status.pauseConditions[].reason', PAUSE_REASONS],
    [rolloutResource, 'status.canary.currentStepAnalysisRunStatus.status', ANALYSIS_PHASES],
    [rolloutResource, 'spec.workloadRef.scaleDown', WORKLOAD_SCALE_DOWN_MODES],
    [rolloutResource, 'spec.selector.matchExpressions[].operator', LABEL_SELECTOR_OPERATORS],
    [
      rolloutResource,
      'spec.strategy.canary.steps[].analysis.args[].valueFrom.podTemplateHashValue',
      POD_TEMPLATE_HASH_VALUES,
    ],
    [analysisTemplateResource, 'spec.metrics[].provider.web.method', WEB_METHODS],
    [analysisRunResource, 'status.phase', ANALYSIS_PHASES],
    [analysisRunResource, 'status.metricResults[].phase', ANALYSIS_PHASES],
    [analysisRunResource, 'status.metricResults[].measurements[].phase', ANALYSIS_PHASES],
  ] as const)('%# %s enum at %s matches', (rt, path, values) => {
    expect(at(crdOf(rt), path).enum).toEqual([...values]);
  });

  it('uses DURATION_PATTERN for durations', () => {
    expect(at(crdOf(gitRepositoryResource), 'spec.interval').pattern).toBe(DURATION_PATTERN);
    expect(at(crdOf(applicationResource), 'spec.timeout').pattern).toBe(DURATION_PATTERN);
    expect(at(crdOf(analysisTemplateResource), 'spec.metrics[].interval').pattern).toBe(DURATION_PATTERN);
    expect(at(crdOf(rolloutResource), 'spec.strategy.canary.steps[].pause.duration').pattern).toBe(
      DURATION_PATTERN,
    );
  });
});

describe('schema consistency', () => {
  it('gives AnalysisTemplate and ClusterAnalysisTemplate the same spec and status', () => {
    const namespaced = crdOf(analysisTemplateResource);
    const cluster = crdOf(clusterAnalysisTemplateResource);
    expect(at(cluster, 'spec')).toEqual(at(namespaced, 'spec'));
    expect(at(cluster, 'status')).toEqual(at(namespaced, 'status'));
  });

  it('gives AnalysisRun the template metric schema', () => {
    const template = crdOf(analysisTemplateResource);
    const run = crdOf(analysisRunResource);
    expect(at(run, 'spec.metrics')).toEqual(at(template, 'spec.metrics'));
    expect(at(run, 'spec.dryRun')).toEqual(at(template, 'spec.dryRun'));
    expect(at(run, 'spec.measurementRetention')).toEqual(at(template, 'spec.measurementRetention'));
    expect(at(run, 'spec.args[]')).toEqual(at(template, 'spec.args[]'));
  });

  it('uses the metav1.Condition schema, keyed by type, for every kind', () => {
    const reference = at(crdOf(gitRepositoryResource), 'status.conditions');
    expect(reference).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
    // Descriptions differ per kind: they name the condition types each kind uses.
    const shape = (s: Schema) => ({ ...s, description: undefined });
    for (const rt of resources) {
      expect(shape(at(crdOf(rt), 'status.conditions')), rt.kind).toEqual(shape(reference));
      expect(at(crdOf(rt), 'status.observedGeneration').type, rt.kind).toBe('integer');
    }
  });

  it('gives Rollout a scale subresource backed by status.selector', () => {
    expect(crdOf(rolloutResource).spec.versions[0]?.subresources?.scale).toEqual({
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    });
    expect(at(crdOf(rolloutResource), 'status.selector').type).toBe('string');
    expect(at(crdOf(rolloutResource), 'spec.template')).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });
});
