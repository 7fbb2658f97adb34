import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

// Static checks of manifests/ that need no cluster; test/e2e/install.test.ts applies them.

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

interface Doc {
  kind: string;
  metadata: { name: string };
  rules?: Rule[];
  spec?: Record<string, unknown>;
}

function docs(path: string): Doc[] {
  return parseAllDocuments(read(path)).map((d) => d.toJS() as Doc);
}

describe('crds/Kustomization', () => {
  it('lists every CRD in crds/, so `kubectl apply -k manifests/` installs them all', () => {
    const listed = (parse(read('crds/Kustomization')) as { resources: string[] }).resources;
    const files = readdirSync(new URL('crds/', root)).filter((f) => f.endsWith('.yaml'));
    expect([...listed].sort()).toEqual(files.sort());
  });
});

describe('manifests/kustomization.yaml', () => {
  it('lists files that exist', () => {
    const { resources } = parse(read('manifests/kustomization.yaml')) as { resources: string[] };
    const files = readdirSync(new URL('manifests/', root));
    for (const r of resources.filter((r) => !r.startsWith('../'))) expect(files).toContain(r);
  });
});

describe('manifests/rbac.yaml', () => {
  const rules = docs('manifests/rbac.yaml').flatMap((d) => d.rules ?? []);

  it('grants no wildcard group, resource or verb', () => {
    for (const r of rules) {
      expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
    }
  });

  it('reads Secrets by name only, and writes none', () => {
    const secretRules = rules.filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets'));
    expect(secretRules.flatMap((r) => r.verbs)).toEqual(['get']);
  });

  it('aggregates the controller role from labelled roles only', () => {
    const all = docs('manifests/rbac.yaml') as (Doc & {
      aggregationRule?: { clusterRoleSelectors: { matchLabels: Record<string, string> }[] };
      metadata: { labels?: Record<string, string> };
    })[];
    const main = all.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'sluice-controller');
    expect(main?.rules).toBeUndefined();
    const selector = main?.aggregationRule?.clusterRoleSelectors[0]?.matchLabels ?? {};
    const parts = all.filter(
      (d) =>
        d.kind === 'ClusterRole' && Object.entries(selector).every(([k, v]) => d.metadata.labels?.[k] === v),
    );
    expect(parts.map((d) => d.metadata.name).sort()).toEqual([
      'sluice-controller-core',
      'sluice-controller-pod-metadata',
      'sluice-controller-read-applied',
    ]);
  });

  it('impersonates ServiceAccounts only, never users or groups', () => {
    const impersonate = rules.filter((r) => r.verbs.includes('impersonate'));
    expect(impersonate.flatMap((r) => r.resources)).toEqual(['serviceaccounts']);
  });
});

describe('manifests/deployment.yaml', () => {
  const [deployment] = docs('manifests/deployment.yaml');
  const spec = deployment?.spec as {
    replicas: number;
    template: {
      spec: {
        securityContext: Record<string, unknown>;
        containers: { args: string[]; securityContext: Record<string, unknown>; resources: object }[];
      };
    };
  };
  const container = spec.template.spec.containers[0];

  it('runs two replicas with leader election', () => {
    expect(spec.replicas).toBe(2);
    expect(container?.args).toContain('--leader-elect');
  });

  it('runs as non-root on a read-only root filesystem with no capabilities', () => {
    expect(spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.resources).toMatchObject({ requests: {}, limits: {} });
  });
});
