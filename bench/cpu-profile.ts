import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib.js';

/**
 * A V8 CPU profile (`--cpu-prof`) summed up as the doc shows it: self time by where the code
 * lives (our server's files, each npm package, Node's internals, GC, idle), and the functions
 * that took the most self time. `pnpm tsx bench/cpu-profile.ts <file.cpuprofile | dir> [last seconds]`.
 * The profiler samples the thread, not the CPU: time blocked in a system call (a write to a
 * full pipe) counts as busy.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  endTime: number;
  startTime: number;
}

/** Where a frame's code lives: `server/src/sends/…`, `pkg:postgres`, `node:internal`, `(gc)`. */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `pkg:${pkg[1]}`;
  if (url.startsWith('node:')) return 'node:internal';
  const file = url.replace(/^file:\/\//, '');
  return path.relative(ROOT, file).replace(/\/[^/]+$/, '/');
}

/** `lastSeconds`: only the samples of the profile's last seconds (leaves start-up out). */
export function summarizeProfile(file: string, options: { top?: number; lastSeconds?: number } = {}): string[] {
  const top = options.top ?? 12;
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const from = options.lastSeconds ? profile.endTime - options.lastSeconds * 1e6 : -Infinity;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= from) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const place = placeOf(url, functionName);
    places.set(place, (places.get(place) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const pct = (us: number) => `${((us * 100) / busy).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${Math.round((busy * 100) / total)}%); self time of the busy part by place:`,
    ...sorted(places).map(([place, us]) => `  ${pct(us)}  ${place}`),
    'by function:',
    ...sorted(functions).map(([fn, us]) => `  ${pct(us)}  ${fn}`),
  ];
}

/** Prints the summary of every profile in `dir` (or of the one file `target`) to stderr. */
export function printProfiles(target: string, options: { lastSeconds?: number } = {}): void {
  const files = fs.statSync(target).isDirectory() ? fs.readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(target, f)) : [target];
  for (const file of files) console.error(summarizeProfile(file, options).join('\n'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(ROOT, 'bench', 'cpu-profile.ts')) {
  const target = process.argv[2];
  if (!target) throw new Error('usage: bench/cpu-profile.ts <file.cpuprofile | dir> [last seconds]');
  printProfiles(target, { lastSeconds: process.argv[3] ? Number(process.argv[3]) : undefined });
}
