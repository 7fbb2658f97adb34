// A small uPlot line of a metric's measured values over time, drawn once there are two.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricView } from '../../cli/dashboard/model.ts';
import { chartSeries } from './chart-data.ts';

export function MetricChart({ metric }: { metric: MetricView }) {
  const box = useRef<HTMLDivElement>(null);
  const data = chartSeries(metric.measurements);
  const enough = data[0].length >= 2;
  const key = JSON.stringify(data);
  // Redrawn when the values change: `key` stands for `data`.
  useEffect(() => {
    if (!box.current || !enough) return;
    const style = getComputedStyle(box.current);
    const stroke = style.color;
    const accent = style.getPropertyValue('--accent').trim() || stroke;
    const plot = new uPlot(
      {
        width: 260,
        height: 90,
        legend: { show: false },
        cursor: { show: false },
        axes: [
          { stroke, size: 24 },
          { stroke, size: 56 },
        ],
        series: [{}, { label: metric.name, stroke: accent, width: 2, points: { show: true } }],
      },
      data,
      box.current,
    );
    return () => plot.destroy();
  }, [key, enough]);
  if (!enough) return <span class="muted">{data[0].length === 1 ? '1 measurement' : '—'}</span>;
  const values = data[1];
  return (
    <div
      ref={box}
      class="chart"
      role="img"
      aria-label={`${metric.name}: ${values.length} measurements, from ${values[0]} to ${values[values.length - 1]}`}
    />
  );
}
