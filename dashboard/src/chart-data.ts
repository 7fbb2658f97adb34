// A metric's measurements as a time series: values are the provider's result as text, often
// a vector (`[0.01]`); the first number in it is charted. Measurements without one are left out.

import type { MeasurementView } from '../../cli/dashboard/model.ts';

export function chartSeries(measurements: MeasurementView[]): [number[], number[]] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const m of measurements) {
    const t = m.at ? Date.parse(m.at) / 1000 : Number.NaN;
    const v = Number(/-?\d+(\.\d+)?(e[-+]?\d+)?/i.exec(m.value ?? '')?.[0]);
    if (!Number.isFinite(t) || m.value === undefined || !Number.isFinite(v)) continue;
    xs.push(t);
    ys.push(v);
  }
  return [xs, ys];
}
