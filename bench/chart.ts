import fs from 'node:fs';
import path from 'node:path';
import { figureName, RESULTS_FILE, ROOT, SCALING, type Figure } from './lib.js';

/**
 * docs/benchmarks-scaling.svg from bench/results.json: how cost grows (issue 14 item 4), one
 * panel per series — invoke throughput and p99 by clients, delivery by worker processes,
 * upload peak RSS and time by uploads at once, history and stats latency by sends in the account. A series the run did not measure is left out.
 * `pnpm bench` draws it after the benchmarks; `tsx bench/chart.ts` redraws it.
 */
export const CHART_FILE = path.join(ROOT, 'docs', 'benchmarks-scaling.svg');

interface Panel {
  title: string;
  xLabel: string;
  unit: string;
  points: { x: number; y: number }[];
}

function panels(figures: Figure[]): Panel[] {
  const value = (name: string) => figures.find((f) => f.name === name)?.value;
  const series = (xs: readonly number[], name: (x: number) => string) =>
    xs.flatMap((x) => {
      const y = value(name(x));
      return y === undefined || Number.isNaN(y) ? [] : [{ x, y }];
    });
  const all: Panel[] = [
    { title: 'invoke throughput', xLabel: 'clients', unit: 'calls/s', points: series(SCALING.clients, (c) => figureName.invoke(c, 'throughput')) },
    { title: 'invoke p99', xLabel: 'clients', unit: 'ms', points: series(SCALING.clients, (c) => figureName.invoke(c, 'p99')) },
    { title: 'delivery from a full queue', xLabel: 'worker processes', unit: 'sends/s', points: series(SCALING.workerProcesses, figureName.drain) },
    { title: 'upload peak RSS added (local disk)', xLabel: 'uploads at once', unit: 'MB', points: series(SCALING.uploadsAtOnce, (n) => figureName.uploadPeakAdded(n)) },
    { title: 'upload time (local disk)', xLabel: 'uploads at once', unit: 's', points: series(SCALING.uploadsAtOnce, (n) => figureName.uploadTime(n)) },
    { title: 'history first page p50', xLabel: 'sends in the account', unit: 'ms', points: series(SCALING.sends, (n) => figureName.atSends(n, 'history: first page of 50 p50')) },
    { title: 'sendStats year by DAY p50', xLabel: 'sends in the account', unit: 'ms', points: series(SCALING.sends, (n) => figureName.atSends(n, 'dashboard: sendStats year by DAY p50')) },
  ];
  return all.filter((p) => p.points.length > 0);
}

const W = 360;
const H = 220;
const M = { left: 56, right: 16, top: 30, bottom: 40 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** One panel: points at evenly spaced x positions (the x values are labels, not a scale). */
function drawPanel(panel: Panel, ox: number, oy: number): string {
  const max = Math.max(...panel.points.map((p) => p.y)) * 1.15 || 1;
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const px = (i: number) => ox + M.left + (panel.points.length === 1 ? iw / 2 : (i * iw) / (panel.points.length - 1));
  const py = (y: number) => oy + M.top + ih - (y / max) * ih;
  const out = [
    `<text x="${ox + W / 2}" y="${oy + 18}" text-anchor="middle" font-weight="600">${esc(panel.title)} (${esc(panel.unit)})</text>`,
    `<line x1="${ox + M.left}" y1="${oy + M.top + ih}" x2="${ox + M.left + iw}" y2="${oy + M.top + ih}" stroke="#888"/>`,
    `<line x1="${ox + M.left}" y1="${oy + M.top}" x2="${ox + M.left}" y2="${oy + M.top + ih}" stroke="#888"/>`,
    `<text x="${ox + M.left - 6}" y="${py(max / 1.15) + 4}" text-anchor="end" fill="#555">${Math.round(max / 1.15)}</text>`,
    `<text x="${ox + M.left - 6}" y="${oy + M.top + ih + 4}" text-anchor="end" fill="#555">0</text>`,
    `<text x="${ox + M.left + iw / 2}" y="${oy + H - 6}" text-anchor="middle" fill="#555">${esc(panel.xLabel)}</text>`,
    `<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${panel.points.map((p, i) => `${px(i)},${py(p.y)}`).join(' ')}"/>`,
  ];
  panel.points.forEach((p, i) => {
    out.push(
      `<circle cx="${px(i)}" cy="${py(p.y)}" r="3" fill="#2563eb"/>`,
      `<text x="${px(i)}" y="${py(p.y) - 7}" text-anchor="middle">${p.y}</text>`,
      `<text x="${px(i)}" y="${oy + M.top + ih + 16}" text-anchor="middle" fill="#555">${p.x}</text>`,
    );
  });
  return out.join('\n');
}

export function drawChart(figures: Figure[]): string | null {
  const list = panels(figures);
  if (list.length === 0) return null;
  const columns = Math.min(2, list.length);
  const rows = Math.ceil(list.length / columns);
  const body = list.map((p, i) => drawPanel(p, (i % columns) * W, Math.floor(i / columns) * H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * W}" height="${rows * H}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
${body}
</svg>
`;
}

/** Draws the chart from bench/results.json into CHART_FILE; false when it holds no scaling series. */
export function writeChart(): boolean {
  const svg = fs.existsSync(RESULTS_FILE) ? drawChart(JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) as Figure[]) : null;
  if (svg) fs.writeFileSync(CHART_FILE, svg);
  return svg !== null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(ROOT, 'bench', 'chart.ts')) {
  if (!writeChart()) throw new Error(`${RESULTS_FILE} has none of the scaling series`);
  console.log(`chart written to ${path.relative(ROOT, CHART_FILE)}`);
}
