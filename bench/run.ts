import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHART_FILE, writeChart } from './chart.js';
import { RESULTS_FILE, ROOT } from './lib.js';

/**
 * `pnpm bench`: every benchmark in turn, each in its own process on its own throwaway
 * database, so one's leftovers (memory, connections, rows) never weigh on the next. Figures
 * are printed as they come and collected in bench/results.json (name, value, unit, baseline).
 * BENCH=invoke,delivery runs a subset.
 */
const ALL = ['invoke', 'delivery', 'queue-fetch', 'shipped', 'upload-memory', 'dashboard'];
const chosen = process.env.BENCH ? process.env.BENCH.split(',') : ALL;

fs.rmSync(RESULTS_FILE, { force: true });
const memGb = (os.totalmem() / 2 ** 30).toFixed(1);
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${memGb} GB, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
let failed = 0;
for (const name of chosen) {
  console.log(`\n== ${name}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', `${name}.ts`)], { cwd: ROOT, stdio: 'inherit' });
  console.log(`(${name}: ${Math.round((Date.now() - started) / 1000)} s${run.status === 0 ? '' : `, FAILED with ${run.status ?? run.signal}`})`);
  if (run.status !== 0) failed++;
}
console.log(`\nfigures written to ${path.relative(ROOT, RESULTS_FILE)}`);
if (writeChart()) console.log(`scaling chart written to ${path.relative(ROOT, CHART_FILE)}`);
process.exit(failed ? 1 : 0);
