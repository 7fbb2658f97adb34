/** A chart that cannot be rendered: helm's own message, with the chart named. */
export class HelmRenderError extends Error {
  override readonly name = 'HelmRenderError';
  readonly chart: string;

  constructor(chart: string, message: string, options?: ErrorOptions) {
    super(`Helm chart ${chart}: ${message}`, options);
    this.chart = chart;
  }
}
