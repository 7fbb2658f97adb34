import { realpath } from 'node:fs/promises';
import { type ChartApp, type ChartContext, isChart, renderAppChart } from './helm/app-chart.ts';
import { RenderError, type RenderedObject, render } from './render.ts';
import { resolveWithin } from './safe-path.ts';

export interface SourceRenderOptions {
  kustomize: string;
  /** The Application and what a chart needs; without it a chart is refused. */
  chart?: { app: ChartApp; ctx: ChartContext };
}

export interface RenderedSource {
  rendered: RenderedObject[];
  /** For a chart: the digest of chart, values and capabilities it was rendered from. */
  renderKey?: string;
}

/**
 * The render stage: a Helm chart when `path` holds a Chart.yaml, otherwise a kustomize
 * overlay or plain YAML (render.ts).
 */
export async function renderSource(
  root: string,
  path: string,
  opts: SourceRenderOptions,
): Promise<RenderedSource> {
  const dir = await resolveWithin(root, path || '.');
  if (isChart(dir)) {
    if (!opts.chart)
      throw new RenderError(`path ${JSON.stringify(path)} holds a Helm chart, which is not rendered here`);
    return renderAppChart(await realpath(root), dir, opts.chart.app, opts.chart.ctx);
  }
  if (opts.chart?.app.helm)
    throw new RenderError(`spec.helm is set, but path ${JSON.stringify(path)} holds no Chart.yaml`);
  return { rendered: await render(root, path, { kustomize: opts.kustomize }) };
}
