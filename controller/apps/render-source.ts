import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { type ChartApp, type ChartContext, isChart, renderAppChart } from './helm/app-chart.ts';
import { recordChartInputs } from './inputs/chart-inputs.ts';
import { type InputPaths, InputRecorder } from './inputs/input-paths.ts';
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
  /** The repository paths the render read; undefined when some input lies outside it. */
  inputs: InputPaths | undefined;
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
  const realRoot = await realpath(root);
  const inputs = new InputRecorder(realRoot);
  // The path as written too: when it is a link, retargeting it is a change of input.
  inputs.add(join(realRoot, path || '.'));
  if (isChart(dir)) {
    if (!opts.chart)
      throw new RenderError(`path ${JSON.stringify(path)} holds a Helm chart, which is not rendered here`);
    const chart = await renderAppChart(realRoot, dir, opts.chart.app, opts.chart.ctx);
    await recordChartInputs(realRoot, dir, path, opts.chart.app.helm, inputs);
    return { ...chart, inputs: inputs.result() };
  }
  if (opts.chart?.app.helm)
    throw new RenderError(`spec.helm is set, but path ${JSON.stringify(path)} holds no Chart.yaml`);
  const rendered = await render(root, path, { kustomize: opts.kustomize, inputs });
  return { rendered, inputs: inputs.result() };
}
