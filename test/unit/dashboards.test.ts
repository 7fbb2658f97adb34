import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  allPanels,
  BUILTIN_VARIABLES,
  DASHBOARD_DIR,
  dashboardFiles,
  loadDashboards,
  panelQueries,
  variablesIn,
} from '../support/dashboards.ts';

// Static checks of manifests/dashboards/: well-formed dashboards whose queries only name metrics
// and labels the controller exports. test/e2e/dashboards.test.ts runs every query for real.

const controllerDir = fileURLToPath(new URL('../../controller/', import.meta.url));
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

interface MetricFamily {
  type: string;
  labels: Set<string>;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The `new Counter({ name: '…', labelNames: […] })` declarations in controller/, by name. */
function declaredMetrics(): { families: Map<string, MetricFamily>; defaultPrefix: string | undefined } {
  const families = new Map<string, MetricFamily>();
  let defaultPrefix: string | undefined;
  for (const file of sourceFiles(controllerDir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{([\s\S]*?)\}\)/g)) {
      const name = /name: '([a-zA-Z_:][\w:]*)'/.exec(m[2] ?? '')?.[1];
      if (!name) continue;
      const labelList = /labelNames: \[([^\]]*)\]/.exec(m[2] ?? '')?.[1] ?? '';
      const labels = [...labelList.matchAll(/'(\w+)'/g)].map((l) => l[1] as string);
      families.set(name, { type: (m[1] as string).toLowerCase(), labels: new Set(labels) });
    }
    const defaults = /collectDefaultMetrics\(\{[^}]*prefix: '(\w+)'/.exec(text);
    if (defaults) defaultPrefix = defaults[1];
  }
  return { families, defaultPrefix };
}

/** Series names a family exposes: histograms and summaries add suffixes, labels `le`/`quantile`. */
function seriesNames(families: Map<string, MetricFamily>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [name, { type, labels }] of families) {
    if (type === 'histogram') {
      out.set(`${name}_bucket`, new Set([...labels, 'le']));
      out.set(`${name}_sum`, labels);
      out.set(`${name}_count`, labels);
    } else if (type === 'summary') {
      out.set(name, new Set([...labels, 'quantile']));
      out.set(`${name}_sum`, labels);
      out.set(`${name}_count`, labels);
    } else {
      out.set(name, labels);
    }
  }
  return out;
}

/** prom-client's default process and Node.js metrics, under the prefix the controller gives them. */
async function defaultMetrics(prefix: string): Promise<Map<string, MetricFamily>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  const families = new Map<string, MetricFamily>();
  for (const m of await registry.getMetricsAsJSON()) {
    const labels = new Set(m.values.flatMap((v) => Object.keys(v.labels)).filter((l) => l !== 'le'));
    families.set(m.name, { type: String(m.type), labels });
  }
  registry.clear();
  return families;
}

const dashboards = loadDashboards();
const queries = panelQueries(dashboards);
const where = (q: { file: string; panel: string; refId: string }) => `${q.file} › ${q.panel} [${q.refId}]`;

describe('manifests/dashboards', () => {
  it('holds the Applications, Rollouts and controller dashboards', () => {
    expect(dashboardFiles()).toEqual(['applications.json', 'controller.json', 'rollouts.json']);
    const uids = dashboards.map((d) => d.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const { file, dashboard } of dashboards) {
      expect(dashboard.title, file).toMatch(/^Sluice \/ /);
      expect(dashboard.schemaVersion, file).toBeGreaterThanOrEqual(36);
      expect(dashboard.tags, file).toContain('sluice');
    }
  });

  it('asks for a Prometheus data source and uses it in every panel and target', () => {
    for (const { file, dashboard } of dashboards) {
      const ds = dashboard.templating.list.find((v) => v.name === 'datasource');
      expect(ds, file).toMatchObject({ type: 'datasource', query: 'prometheus' });
      for (const panel of allPanels(dashboard).filter((p) => p.type !== 'row')) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's syntax for the variable
        const ref = { type: 'prometheus', uid: '${datasource}' };
        expect(panel.datasource, `${file} › ${panel.title}`).toEqual(ref);
        for (const t of panel.targets ?? []) expect(t.datasource, `${file} › ${panel.title}`).toEqual(ref);
      }
    }
  });

  it('gives panels unique ids and places them on the 24-column grid', () => {
    for (const { file, dashboard } of dashboards) {
      const panels = allPanels(dashboard);
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const p of panels) {
        expect(p.gridPos.x + p.gridPos.w, `${file} › ${p.title}`).toBeLessThanOrEqual(24);
        if (p.type !== 'row') expect(p.targets?.length, `${file} › ${p.title}`).toBeGreaterThan(0);
      }
    }
  });

  it('gives every target an expression and a refId unique in its panel', () => {
    for (const { file, dashboard } of dashboards) {
      for (const p of allPanels(dashboard)) {
        const refIds = (p.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size, `${file} › ${p.title}`).toBe(refIds.length);
      }
    }
    for (const q of queries) expect(q.expr.trim(), where(q)).not.toBe('');
  });

  it('uses only template variables it defines, and those only in regex matchers', () => {
    for (const { file, dashboard } of dashboards) {
      const defined = new Set([
        ...dashboard.templating.list.map((v) => v.name),
        ...Object.keys(BUILTIN_VARIABLES),
      ]);
      const exprs = [
        ...panelQueries([{ file, dashboard }]).map((q) => ({ at: where(q), expr: q.expr })),
        ...dashboard.templating.list
          .filter((v) => typeof v.query === 'object')
          .map((v) => ({ at: `${file} › $${v.name}`, expr: (v.query as { query: string }).query })),
      ];
      for (const { at, expr } of exprs) {
        for (const name of variablesIn(expr)) expect(defined, `${at}: $${name}`).toContain(name);
        for (const m of expr.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
          if ((m[3] ?? '').includes('$')) expect(m[2], `${at}: ${m[0]}`).toBe('=~');
        }
      }
    }
  });

  it('queries only metrics and labels the controller exports', async () => {
    const { families, defaultPrefix } = declaredMetrics();
    expect(defaultPrefix).toBe('sluice_');
    const series = seriesNames(new Map([...families, ...(await defaultMetrics(defaultPrefix as string))]));
    expect(series.has('sluice_reconcile_duration_seconds_bucket')).toBe(true);
    expect(series.has('sluice_process_resident_memory_bytes')).toBe(true);
    const used = new Set<string>();
    const problems: string[] = [];
    for (const q of queries) {
      const names = [...q.expr.matchAll(/\b(sluice_\w+)/g)].map((m) => m[1] as string);
      if (names.length === 0) problems.push(`${where(q)}: names no sluice_ metric`);
      for (const name of names) {
        if (!series.has(name)) problems.push(`${where(q)}: no metric ${name}`);
        used.add(name);
      }
      const known = new Set([...TARGET_LABELS, ...names.flatMap((n) => [...(series.get(n) ?? [])])]);
      for (const m of q.expr.matchAll(/\b(sluice_\w+)\{([^}]*)\}/g)) {
        const labels = series.get(m[1] as string) ?? new Set();
        for (const l of (m[2] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) {
          if (!labels.has(l[1] as string) && !TARGET_LABELS.includes(l[1] as string))
            problems.push(`${where(q)}: ${m[1]} has no label ${l[1]}`);
        }
      }
      for (const m of q.expr.matchAll(/\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g)) {
        for (const l of (m[1] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (!known.has(l)) problems.push(`${where(q)}: no metric in the query has label ${l}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // Each family the controller declares appears on some dashboard.
    const shown = new Set([...used].map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    expect([...families.keys()].filter((n) => !shown.has(n))).toEqual([]);
  });
});

describe('manifests/dashboards/kustomization.yaml', () => {
  it('ships every dashboard in a ConfigMap labelled for the Grafana sidecar, without a name hash', () => {
    const k = parse(readFileSync(new URL('kustomization.yaml', DASHBOARD_DIR), 'utf8')) as {
      namespace: string;
      generatorOptions: { disableNameSuffixHash: boolean; labels: Record<string, string> };
      configMapGenerator: { name: string; files: string[] }[];
    };
    expect(k.namespace).toBe('sluice-system');
    expect(k.generatorOptions).toMatchObject({
      disableNameSuffixHash: true,
      labels: { grafana_dashboard: '1' },
    });
    expect(k.configMapGenerator.flatMap((g) => g.files).sort()).toEqual(dashboardFiles());
  });
});
