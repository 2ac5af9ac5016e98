import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../server/src/infra/db/embedded.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_FILE = path.join(ROOT, 'bench', 'results.json');

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
}

/** Appends figures to bench/results.json (one object per figure) and prints them. */
export function report(figures: Figure[]): void {
  const existing: Figure[] = fs.existsSync(RESULTS_FILE) ? JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) : [];
  const names = new Set(figures.map((f) => f.name));
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify([...existing.filter((f) => !names.has(f.name)), ...figures], null, 2)}\n`);
  for (const f of figures) {
    const base = f.baseline ? `   (baseline ${f.baseline.name}: ${f.baseline.value} ${f.unit}, ratio ${(f.value / f.baseline.value).toFixed(2)})` : '';
    console.log(`${f.name.padEnd(48)} ${String(f.value).padStart(10)} ${f.unit}${base}`);
  }
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  dataDir: string;
  tokens: Record<string, string>;
  agentId: string;
  startupMs: number;
  stop(): Promise<void>;
}

/** `pnpm start`'s entry point as its own process on a throwaway DATA_DIR (embedded Postgres). */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-bench-'));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', CHAT_SERVICE_PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    if (Date.now() > deadline) throw new Error('server did not become ready');
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok && fs.existsSync(path.join(dataDir, 'demo-tokens.txt'))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const startupMs = Date.now() - started;
  const text = fs.readFileSync(path.join(dataDir, 'demo-tokens.txt'), 'utf8');
  const tokens = Object.fromEntries([...text.matchAll(/^\s+(\w+)\s+(sat_\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const agentId = /agent ([0-9a-f-]{36})/.exec(text)![1]!;
  return {
    child,
    url,
    dataDir,
    tokens,
    agentId,
    startupMs,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resident memory of a process from /proc, in MB: current (VmRSS) and peak (VmHWM). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

/** Resets the peak (VmHWM) to the current RSS, so the next peak is this phase's. */
export function resetPeak(pid: number): void {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
