import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { SEND_ATTACHMENT_FLAG } from '../server/src/accounts/roles.js';
import { clusterPassword, freePort } from '../server/src/infra/db/embedded.js';

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

/** The levels the scaling runs measure (issue 14 item 4); bench/chart.ts draws the same ones. */
export const SCALING = { clients: [1, 4, 16, 64, 256], workerProcesses: [1, 2, 4], uploadsAtOnce: [1, 5, 20], sends: [10_000, 100_000, 1_000_000] } as const;

const processes = (n: number) => `process${n > 1 ? 'es' : ''}`;
const uploadsAtOnce = (n: number) => (n === 1 ? 'one 75 MB upload' : `${n} × 75 MB uploads at once`);

/** Names of the figures the scaling chart reads, written by the benchmarks through these only. */
export const figureName = {
  invoke: (clients: number, what: 'throughput' | 'p50' | 'p99') => `invoke c=${clients}: ${what}`,
  drain: (n: number) => `delivery alone from a full queue: sends/s, ${n} worker ${processes(n)}`,
  pgBossAlone: (n: number) => `pg-boss alone, no-op jobs, ${n} ${processes(n)}`,
  uploadPeak: (n: number, store = '') => `server peak RSS, ${uploadsAtOnce(n)}${store}`,
  uploadPeakAdded: (n: number, store = '') => `server peak RSS added, ${uploadsAtOnce(n)}${store}`,
  uploadTime: (n: number, store = '') => `time to store ${uploadsAtOnce(n)}${store}`,
  /** A history or dashboard query's latency with `sends` sends in the account (`what`: 'history: first page of 50 p50'). */
  atSends: (sends: number, what: string) => `${what}, ${sendsLabel(sends)} sends`,
};

const sendsLabel = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  dataDir: string;
  tokens: Record<string, string>;
  accountId: string;
  agentId: string;
  /** The demo rooms (ChatService conversation ids) by channel. */
  rooms: Record<string, string>;
  /** The simulator's root URL (`/__sim`); `pnpm start` runs it as its own process. */
  chatServiceUrl: string;
  /** The embedded Postgres the server started, for workers and direct queries. */
  databaseUrl: string;
  startupMs: number;
  /** What the server wrote to stderr (its log), when started with `captureLog`. */
  log(): string;
  stop(): Promise<void>;
}

/** `pnpm start`'s entry point as its own process on a throwaway DATA_DIR (embedded Postgres). */
export async function startServerProcess(
  env: Record<string, string> = {},
  options: { nodeArgs?: string[]; captureLog?: boolean } = {},
): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-bench-'));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const chatServicePort = await freePort();
  // A port of its own for the built admin too: two server processes must not both want 3000.
  const adminPort = await freePort();
  const started = Date.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'warn',
      CHAT_SERVICE_PORT: String(chatServicePort),
      ...env,
    },
    stdio: ['ignore', 'pipe', options.captureLog ? 'pipe' : 'inherit'],
  });
  let output = '';
  let log = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (log += d));
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
  const accountId = /Demo account ([0-9a-f-]{36})/.exec(text)![1]!;
  const rooms = Object.fromEntries([...text.matchAll(/^\s+room (\w+)\s+([0-9a-f-]{36})$/gm)].map((m) => [m[1]!, m[2]!]));
  const pgPort = fs.readFileSync(path.join(dataDir, 'postgres', 'port'), 'utf8').trim();
  return {
    child,
    url,
    dataDir,
    tokens,
    accountId,
    agentId,
    rooms,
    chatServiceUrl: `http://127.0.0.1:${chatServicePort}`,
    databaseUrl: `postgres://postgres:${encodeURIComponent(clusterPassword(path.join(dataDir, 'postgres')))}@127.0.0.1:${pgPort}/send_attachment`,
    startupMs,
    log: () => log,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A second `pnpm start` process on `first`'s database and ChatService (no worker, no simulator,
 * no demo seed of its own): two servers behind one load balancer, as far as tokens, budgets and
 * caches go. Resolves once it answers /healthz.
 */
export async function startPeerServerProcess(first: ServerProcess, env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: first.databaseUrl,
      DATA_DIR: first.dataDir,
      CHAT_SERVICE_URL: first.chatServiceUrl,
      WORKER_CONCURRENCY: '0',
      PORT: String(port),
      ADMIN_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`peer server exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('peer server did not become ready');
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise((r) => child.once('exit', r));
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `pnpm ops <args>` against a server process's database; resolves with its stdout (throws on exit 1). */
export async function runOps(server: ServerProcess, ...args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli/ops.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: server.databaseUrl, DATA_DIR: server.dataDir, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`pnpm ops ${args.join(' ')} exited with ${code}: ${err}`);
  return out.trim();
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

/** One GraphQL call over HTTP; throws on errors. */
export async function gql<T = unknown>(server: Pick<ServerProcess, 'url'>, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

const SAVE = `mutation($input: SaveSendAttachmentActionInput!, $files: [Upload!]) {
  saveSendAttachmentAction(input: $input, files: $files) { id } }`;

/** A small valid PDF of `size` bytes, varied so different sizes hash differently. */
export function smallPdf(size = 2048, seed = 0): Buffer {
  const out = Buffer.alloc(size, 0x20);
  Buffer.from('%PDF-1.7\n').copy(out);
  for (let i = 9; i < size; i += 97) out[i] = (i + seed) % 251;
  return out;
}

/** Saves a Send Attachment action pinning `files` (as ADMIN) and trains the agent; returns the action id. */
export async function createTrainedAction(server: Pick<ServerProcess, 'url' | 'tokens' | 'agentId'>, files: { name: string; content: Buffer }[]): Promise<string> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: SAVE,
      variables: {
        input: { agentId: server.agentId, name: 'Bench', trigger: 'When asked for the price list.', contentMode: 'AI', attachmentIds: [] },
        files: files.map(() => null),
      },
    }),
  );
  form.append('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.files.${i}`]]))));
  files.forEach((f, i) => form.append(String(i), new Blob([new Uint8Array(f.content)]), f.name));
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.tokens.ADMIN}`, 'apollo-require-preflight': 'true' },
    body: form,
  });
  const body = (await res.json()) as { data?: { saveSendAttachmentAction: { id: string } }; errors?: unknown };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
  await gql(server, server.tokens.ADMIN!, 'mutation($a: ID!) { trainAgent(agentId: $a) { version } }', { a: server.agentId });
  return body.data.saveSendAttachmentAction.id;
}

export const INVOKE = 'mutation($input: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $input) { sendId status reason deduplicated } }';

/** `pnpm ops worker` as its own process on the server's database, storage and simulator; resolves once it runs. */
export async function spawnWorker(server: ServerProcess, env: Record<string, string> = {}): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli/ops.ts', 'worker'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: server.databaseUrl,
      DATA_DIR: server.dataDir,
      CHAT_SERVICE_URL: server.chatServiceUrl,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Only the log's tail is kept (for the exit message), and searched only until the worker has
  // started: keeping and searching all of it on every chunk grew with the run's length.
  let err = '';
  let started = false;
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err = (err + d).slice(-8192);
      if (!started && err.includes('worker.started')) {
        started = true;
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export const round1 = (x: number) => Math.round(x * 10) / 10;

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The embedded Postgres of a server process: the postmaster and every backend it forked. */
function postgresPids(server: ServerProcess): number[] {
  const postmaster = Number(fs.readFileSync(path.join(server.dataDir, 'postgres', 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * Starts counting CPU seconds of some Node processes (by default the server process) and of the
 * server's Postgres; `stop()` returns both. A backend that exited meanwhile is not counted.
 */
export function cpuMeter(server: ServerProcess, nodePids: number[] = [server.child.pid!]) {
  const nodeCpu = () => nodePids.reduce((sum, pid) => sum + cpuOf(pid), 0);
  const before = { node: nodeCpu(), pg: new Map(postgresPids(server).map((p) => [p, cpuOf(p)])) };
  return {
    stop() {
      const node = nodeCpu() - before.node;
      let pg = 0;
      for (const pid of postgresPids(server)) pg += cpuOf(pid) - (before.pg.get(pid) ?? 0);
      return { nodeSeconds: node, postgresSeconds: pg };
    },
  };
}

export interface Tenant {
  accountId: string;
  agentId: string;
  tokens: Record<string, string>;
  /** A simulator room on WhatsApp that this account's ChatService token may post to. */
  room: string;
}

/**
 * Another account on a server process, made the way an operator would (`pnpm ops`): its own
 * ChatService token (registered with the simulator through its room), the flag on, an agent,
 * ADMIN and AI_SERVICE tokens.
 */
export async function createTenant(server: ServerProcess, name: string): Promise<Tenant> {
  const chatServiceToken = `bench_${name}_${process.pid}`;
  const accountId = await runOps(server, 'account:create', name, '--chat-service-token', chatServiceToken);
  await runOps(server, 'flag:set', '--account', accountId, SEND_ATTACHMENT_FLAG, 'on');
  const agentId = await runOps(server, 'agent:create', '--account', accountId, `${name} agent`);
  const tokens: Record<string, string> = {};
  for (const role of ['ADMIN', 'AI_SERVICE']) tokens[role] = await runOps(server, 'token:create', '--account', accountId, '--role', role);
  const res = await fetch(`${server.chatServiceUrl}/__sim/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId, channel: 'whatsapp', token: chatServiceToken }),
  });
  if (res.status !== 201) throw new Error(`the simulator refused a room: ${res.status} ${await res.text()}`);
  return { accountId, agentId, tokens, room: ((await res.json()) as { id: string }).id };
}

/**
 * Per-statement calls and time from pg_stat_statements (the server must run with
 * PG_STAT_STATEMENTS=on): `reset()` before a phase, `summary(units)` after it prints the
 * statements that took the most time per unit (an invoke, a delivered send) and returns the
 * statements and milliseconds of Postgres execution per unit (and closes its connection).
 */
export async function statementProfile(databaseUrl: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await sql`create extension if not exists pg_stat_statements`;
  return {
    async reset() {
      await sql`select pg_stat_statements_reset()`;
    },
    async summary(units: number, unit: string, top = 10) {
      const rows = await sql<{ query: string; calls: number; total_ms: number; plan_ms: number }[]>`
        select regexp_replace(query, '\\s+', ' ', 'g') as query, calls::int, total_exec_time::float8 as total_ms,
               total_plan_time::float8 as plan_ms
        from pg_stat_statements where query not ilike '%pg_stat_statements%' order by total_exec_time + total_plan_time desc`;
      const calls = rows.reduce((n, r) => n + r.calls, 0);
      const ms = rows.reduce((n, r) => n + r.total_ms, 0);
      const planMs = rows.reduce((n, r) => n + r.plan_ms, 0);
      console.error(`    Postgres per ${unit}: ${round1(calls / units)} statements, ${round1(ms / units)} ms executing, ${round1(planMs / units)} ms planning; the costliest (execution + planning):`);
      for (const r of rows.slice(0, top)) {
        console.error(`      ${round1(r.calls / units).toString().padStart(5)} × ${(r.total_ms / r.calls).toFixed(2).padStart(6)} + ${(r.plan_ms / r.calls).toFixed(2).padStart(5)} ms  ${r.query.slice(0, 100)}`);
      }
      await sql.end();
      return { statementsPerUnit: round1(calls / units), msPerUnit: round1(ms / units) };
    },
  };
}
