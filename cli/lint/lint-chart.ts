// `lint DIR` on a Helm chart: its templates are not YAML until rendered, so the chart is
// rendered offline with `helm template` (its default values, helm's default capabilities)
// and each rendered document is linted under the template it came from. A chart that does
// not render is one problem at helm's file and line.

import { join } from 'node:path';
import { HelmRenderError } from '../../controller/apps/helm/helm-errors.ts';
import { renderChart } from '../../controller/apps/helm/render-chart.ts';
import type { KindSchema } from './crd-schemas.ts';
import { type Diagnostic, lintText } from './lint-text.ts';

/** `web/templates/a.yaml` (helm's name, the chart's name first) as a path under `dir`. */
function templatePath(dir: string, source: string): string {
  const i = source.indexOf('/');
  return i < 0 ? dir : join(dir, source.slice(i + 1));
}

export async function lintChart(
  dir: string,
  helm: string,
  schemas: ReadonlyMap<string, KindSchema>,
): Promise<{ diagnostics: Diagnostic[]; checked: number; files: number }> {
  let manifests: string;
  try {
    ({ manifests } = await renderChart(
      {
        chartDir: dir,
        chartLabel: dir,
        releaseName: 'release-name',
        namespace: 'default',
        valuesFiles: [],
        values: [],
        skipCRDs: false,
        capabilities: { apiVersions: [] },
      },
      { helm },
    ));
  } catch (err) {
    if (!(err instanceof HelmRenderError)) throw err;
    const at = /([\w./-]+\.(?:ya?ml|tpl|txt|json)):(\d+)(?::(\d+))?/.exec(err.message);
    return {
      diagnostics: [
        {
          file: at ? templatePath(dir, at[1] as string) : join(dir, 'Chart.yaml'),
          line: at ? Number(at[2]) : 1,
          column: at?.[3] ? Number(at[3]) : 1,
          path: '',
          message: err.message,
        },
      ],
      checked: 0,
      files: 1,
    };
  }
  const result = { diagnostics: [] as Diagnostic[], checked: 0, files: 0 };
  for (const chunk of manifests.split(/^---[ \t]*$/m)) {
    const source = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim();
    if (!source) continue;
    // Without helm's leading comment, a template with no directives keeps its line numbers.
    const text = chunk.replace(/^\n?# Source: .*\n/, '');
    const r = lintText(text, `${templatePath(dir, source)} (rendered)`, schemas);
    result.diagnostics.push(...r.diagnostics);
    result.checked += r.checked;
    result.files++;
  }
  return result;
}
