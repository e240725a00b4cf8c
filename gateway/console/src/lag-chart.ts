import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SystemStatusFieldsFragment } from '@ledger/client';
import { byId } from './dom.js';

const WINDOW_SECONDS = 5 * 60;
const COLORS = ['#4aa8ff', '#3ecf8e', '#f5b942', '#ff6b6b', '#b28dff', '#2dd4bf', '#fb923c', '#f472b6'];

/** Projection lag (events behind the store) of every partition over the last five minutes. */
export function createLagChart() {
  // No legend: with 16+ partitions it drowns the chart; the lag tile names the worst partition.
  const target = byId('lag-chart');
  const times: number[] = [];
  const lags: number[][] = [];
  let plot: uPlot | undefined;

  const size = (): { width: number; height: number } => ({ width: Math.max(target.clientWidth, 300), height: 240 });

  const build = (partitions: number): uPlot => {
    const axis = { stroke: '#8592a3', grid: { stroke: '#26303b' }, ticks: { stroke: '#26303b' } };
    return new uPlot(
      {
        ...size(),
        scales: {
          // Always the whole window, the newest sample at the right edge: a fresh chart would otherwise
          // stretch its first seconds over the width, with ticks a quarter of a second apart.
          x: { time: true, range: (_u, _min, max) => [max - WINDOW_SECONDS, max] },
          y: { range: (_u, _min, max) => [0, Math.max(5, max)] },
        },
        axes: [
          {
            ...axis,
            // A tick a minute or more apart, so that hours and minutes tell them apart.
            incrs: [60, 120, 300, 600],
            // 24-hour times, as the tables show them.
            values: (_u, splits) =>
              splits.map((split) =>
                new Date(split * 1000).toLocaleTimeString(undefined, {
                  hour12: false,
                  hour: '2-digit',
                  minute: '2-digit',
                }),
              ),
          },
          { ...axis, label: 'events behind' },
        ],
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        series: [
          {},
          ...Array.from({ length: partitions }, (_, p) => ({
            label: `p${p}`,
            stroke: COLORS[p % COLORS.length],
            width: 1.5,
            points: { show: false },
          })),
        ],
      },
      [times, ...lags],
      target,
    );
  };

  window.addEventListener('resize', () => plot?.setSize(size()));

  return {
    add(status: SystemStatusFieldsFragment): void {
      const at = new Date(status.at).getTime() / 1000;
      if (!plot || lags.length !== status.partitions.length) {
        plot?.destroy();
        times.length = 0;
        lags.splice(0, lags.length, ...status.partitions.map(() => []));
        plot = build(status.partitions.length);
      }
      times.push(at);
      status.partitions.forEach((partition, p) => lags[p]!.push(partition.lagEvents));
      while (times.length > 0 && times[0]! < at - WINDOW_SECONDS) {
        times.shift();
        lags.forEach((series) => series.shift());
      }
      plot.setData([times, ...lags]);
    },
  };
}
