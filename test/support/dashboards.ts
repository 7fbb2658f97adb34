// Reading the Grafana dashboards under manifests/dashboards/: their panels, the PromQL of each
// panel target, and that PromQL with Grafana's template variables replaced, ready for Prometheus.

import { readdirSync, readFileSync } from 'node:fs';

export const DASHBOARD_DIR = new URL('../../manifests/dashboards/', import.meta.url);

interface DashboardRef {
  type: string;
  uid: string;
}

interface Target {
  refId: string;
  expr?: string;
  datasource?: DashboardRef;
  legendFormat?: string;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DashboardRef;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  /** Panels of a collapsed row. */
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  allValue?: string;
}

interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  tags?: string[];
  templating: { list: Variable[] };
  panels: Panel[];
}

interface DashboardFile {
  file: string;
  dashboard: Dashboard;
}

/** One query of one panel, named for failure messages. */
interface PanelQuery {
  file: string;
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

/** Variables Grafana itself provides; the values are what a test substitutes for them. */
export const BUILTIN_VARIABLES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

class DashboardError extends Error {
  override readonly name = 'DashboardError';
}

export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function loadDashboards(): DashboardFile[] {
  return dashboardFiles().map((file) => {
    const text = readFileSync(new URL(file, DASHBOARD_DIR), 'utf8');
    try {
      return { file, dashboard: JSON.parse(text) as Dashboard };
    } catch (err) {
      throw new DashboardError(`${file}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** Every panel, rows and the panels inside collapsed rows included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function panelQueries(files: DashboardFile[]): PanelQuery[] {
  return files.flatMap(({ file, dashboard }) =>
    allPanels(dashboard).flatMap((panel) =>
      (panel.targets ?? []).map((t) => ({
        file,
        dashboard: dashboard.title,
        panel: panel.title,
        refId: t.refId,
        expr: t.expr ?? '',
      })),
    ),
  );
}

const VARIABLE = /\$\{(\w+)(?::[\w]+)?\}|\[\[(\w+)\]\]|\$(\w+)/g;

/** Names of the template variables an expression uses. */
export function variablesIn(expr: string): string[] {
  return [...expr.matchAll(VARIABLE)].map((m) => (m[1] ?? m[2] ?? m[3]) as string);
}

/**
 * Replaces Grafana's template variables, in all three of its syntaxes, with `values` (or the
 * built-in ones). A variable without a value is an error rather than left for Prometheus to
 * reject with a less helpful message.
 */
export function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(VARIABLE, (whole, braced?: string, bracketed?: string, bare?: string) => {
    const name = (braced ?? bracketed ?? bare) as string;
    const value = values[name] ?? BUILTIN_VARIABLES[name];
    if (value === undefined) throw new DashboardError(`no value for template variable ${whole} in: ${expr}`);
    return value;
  });
}
