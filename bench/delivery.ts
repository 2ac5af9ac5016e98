import { spawn } from 'node:child_process';
import path from 'node:path';
import postgres from 'postgres';
import { printProfiles } from './cpu-profile.js';
import { runLoad } from './load.js';
import { cpuMeter, createTrainedAction, figureName, gql, INVOKE, percentile, report, round1, ROOT, SCALING, smallPdf, spawnWorker, startServerProcess, statementProfile, type Figure } from './lib.js';
import { NOOP_QUEUE } from './pgboss-noop.js';

/**
 * End to end: invoke → queue → worker process → ChatService simulator's inbox.
 *   - latency of a single small file when idle (one call at a time, one worker process);
 *   - sends per second with 1 and 2 worker processes (`pnpm ops worker`, 8 sends at a time
 *     each), SENDS invokes fired by 32 clients while the workers deliver, timed from the first
 *     invoke to the last message at the simulator;
 *   - delivery alone from a full queue with 1, 2 and 4 worker processes, with the CPU and the
 *     Postgres statements (pg_stat_statements) per delivered send;
 *   - the baseline: pg-boss alone moving the same number of no-op jobs on the same database
 *     with the same loop and the same number of processes (bench/pgboss-noop.ts).
 * The server runs no worker of its own (WORKER_CONCURRENCY=0); the simulator is its own process.
 */
const SENDS = Number(process.env.SENDS ?? 3000);
const LATENCY_SAMPLES = Number(process.env.LATENCY_SAMPLES ?? 60);
const CLIENTS = 32;

// Unlimited budgets: this measures delivery, and every sender is one account.
const server = await startServerProcess({ WORKER_CONCURRENCY: '0', RATE_LIMIT_AI_SERVICE_POINTS: '0', RATE_LIMIT_CONSOLE_POINTS: '0', PG_STAT_STATEMENTS: 'on' });
const sql = postgres(server.databaseUrl, { max: 2, onnotice: () => {} });
const workers: Awaited<ReturnType<typeof spawnWorker>>[] = [];

const sim = async <T>(pathname: string, init?: RequestInit): Promise<T> => {
  const res = await fetch(`${server.chatServiceUrl}${pathname}`, init);
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};
const newRoom = async () =>
  (await sim<{ id: string }>('/__sim/rooms', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId: server.accountId, channel: 'whatsapp' }),
  })).id;
const calls = async (room: string) => (await sim<{ calls: number }>(`/__sim/calls?roomId=${room}`)).calls;
const inbox = (room: string) => sim<{ idempotencyKey: string; receivedAt: string }[]>(`/__sim/inbox?roomId=${room}`);

async function until(what: string, timeoutMs: number, intervalMs: number, probe: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * SENDS invokes from CLIENTS concurrent clients; sends/s from the first invoke (or, with
 * `startWorkers`, from when the workers it starts after the invokes are running: delivery alone,
 * from a full queue) to the last message in the inbox.
 */
async function throughput(actionId: string, label: string, startWorkers?: () => Promise<number[]>) {
  const room = await newRoom();
  let started = Date.now();
  const load = await runLoad({
    url: `${server.url}/graphql`,
    headers: { authorization: `Bearer ${server.tokens.AI_SERVICE}` },
    body: JSON.stringify({ query: INVOKE, variables: { input: { actionId, conversationId: room, idempotencyKey: `${label}-__N__` } } }),
    concurrency: CLIENTS,
    durationMs: 0,
    warmupMs: 0,
    count: SENDS,
  });
  if (load.errors > 0) throw new Error(`invoke errors: ${load.firstError}`);
  let meter: ReturnType<typeof cpuMeter> | undefined;
  let statements: Awaited<ReturnType<typeof statementProfile>> | undefined;
  if (startWorkers) {
    statements = await statementProfile(server.databaseUrl);
    await statements.reset();
    meter = cpuMeter(server, await startWorkers());
    started = Date.now();
  }
  await until(`${SENDS} messages in the inbox`, 300_000, 100, async () => (await calls(room)) >= SENDS);
  const cpu = meter?.stop();
  const messages = await inbox(room);
  const last = Math.max(...messages.map((m) => Date.parse(m.receivedAt)));
  const [row] = await sql<{ sent: number }[]>`select count(*)::int as sent from sends where conversation_id = ${room} and status = 'SENT'`;
  if (messages.length !== SENDS || new Set(messages.map((m) => m.idempotencyKey)).size !== SENDS || row!.sent !== SENDS) {
    throw new Error(`${label}: ${messages.length} messages, ${row!.sent} SENT, expected ${SENDS} each`);
  }
  const seconds = (last - started) / 1000;
  console.error(`  ${label}: ${SENDS} sends in ${seconds.toFixed(1)} s; invokes ran at ${load.rps}/s (p99 ${load.p99} ms)`);
  // Per delivered send, while only the workers run (delivery alone); the simulator is not counted.
  const cpuPerSend = cpu && { workersMs: (cpu.nodeSeconds * 1000) / SENDS, postgresMs: (cpu.postgresSeconds * 1000) / SENDS };
  if (cpuPerSend) console.error(`    CPU per delivered send: worker processes ${round1(cpuPerSend.workersMs)} ms, Postgres ${round1(cpuPerSend.postgresMs)} ms`);
  const perSend = await statements?.summary(SENDS, 'delivered send');
  return { sendsPerSecond: Math.round(SENDS / seconds), cpuPerSend, perSend };
}

function child(args: string[], readyLine?: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'pgboss-noop.ts'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d;
      if (readyLine && err.includes(readyLine)) resolve();
    });
    void exited.then((code) => (code === 0 ? resolve() : reject(new Error(`pgboss-noop ${args[0]} exited ${code}: ${err}`))));
  });
  return { proc, ready, exited };
}

/** pg-boss alone: SENDS no-op jobs sent by CLIENTS callers, moved by `consumers` processes. */
async function pgBossAlone(consumers: number) {
  await sql`delete from pgboss.job where name = ${NOOP_QUEUE}`.catch(() => {});
  const procs = Array.from({ length: consumers }, () => child(['consume', server.databaseUrl], 'noop.consumer_started'));
  await Promise.all(procs.map((p) => p.ready));
  const started = Date.now();
  const producer = child(['produce', server.databaseUrl, String(SENDS), String(CLIENTS)]);
  await producer.ready;
  let last = 0;
  await until(`${SENDS} no-op jobs completed`, 300_000, 100, async () => {
    const [row] = await sql<{ n: number; last: Date | null }[]>`
      select count(*)::int as n, max(completed_on) as last from pgboss.job where name = ${NOOP_QUEUE} and state = 'completed'`;
    last = row!.last?.getTime() ?? 0;
    return row!.n >= SENDS;
  });
  for (const p of procs) p.proc.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  const seconds = (last - started) / 1000;
  console.error(`  pg-boss alone, ${consumers} process(es): ${SENDS} no-op jobs in ${seconds.toFixed(1)} s`);
  return Math.round(SENDS / seconds);
}

try {
  const actionId = await createTrainedAction(server, [{ name: 'menu.pdf', content: smallPdf(2048) }]);
  workers.push(await spawnWorker(server));

  // Idle latency: one call at a time; the next starts once the previous file is at the simulator.
  const room = await newRoom();
  const startedAt = new Map<string, number>();
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = Date.now();
    const data = await gql<{ invokeSendAttachment: { sendId: string } }>(server, server.tokens.AI_SERVICE!, INVOKE, { input: { actionId, conversationId: room, idempotencyKey: `idle-${i}` } });
    startedAt.set(data.invokeSendAttachment.sendId, t0);
    await until('the file at the simulator', 10_000, 2, async () => (await calls(room)) >= i + 1);
    await new Promise((r) => setTimeout(r, 50));
  }
  const files = await sql<{ id: string; send_id: string }[]>`select f.id, f.send_id from send_files f join sends s on s.id = f.send_id where s.conversation_id = ${room}`;
  const sendOf = new Map(files.map((f) => [f.id, f.send_id]));
  const latencies = (await inbox(room)).map((m) => Date.parse(m.receivedAt) - startedAt.get(sendOf.get(m.idempotencyKey)!)!).sort((a, b) => a - b);
  console.error(`  idle invoke→inbox over ${latencies.length} sends: p50 ${percentile(latencies, 0.5)} ms, p95 ${percentile(latencies, 0.95)} ms, max ${latencies.at(-1)} ms`);

  const one = (await throughput(actionId, 'e2e-1-worker')).sendsPerSecond;
  workers.push(await spawnWorker(server));
  const two = (await throughput(actionId, 'e2e-2-workers')).sendsPerSecond;
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  // The same with the queue filled first: what 1, 2 and 4 worker processes deliver without
  // invokes competing for the CPU (how delivery scales with processes on two cores).
  const drains = new Map<number, Awaited<ReturnType<typeof throughput>>>();
  for (const processes of SCALING.workerProcesses) {
    drains.set(processes, await throughput(actionId, `drain-${processes}-workers`, async () => {
      // PROFILE=dir: a V8 CPU profile of the one worker process of the first drain.
      const env: Record<string, string> = process.env.PROFILE && processes === 1 ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.PROFILE}` } : {};
      const started = await Promise.all(Array.from({ length: processes }, () => spawnWorker(server, env)));
      workers.push(...started);
      return started.map((w) => w.child.pid!);
    }));
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    if (process.env.PROFILE && processes === 1) {
      // The drain only, not the worker's start-up.
      const lastSeconds = SENDS / drains.get(1)!.sendsPerSecond;
      printProfiles(process.env.PROFILE, { lastSeconds });
    }
  }

  const boss = new Map<number, number>();
  for (const processes of SCALING.workerProcesses) boss.set(processes, await pgBossAlone(processes));
  const bossBaseline = (processes: number) => ({ name: figureName.pgBossAlone(processes), value: boss.get(processes)! });
  const twoDrain = drains.get(2)!;

  const figures: Figure[] = [
    { name: 'e2e: single small file invoke→inbox p50, idle', value: percentile(latencies, 0.5), unit: 'ms' },
    { name: 'e2e: single small file invoke→inbox p95, idle', value: percentile(latencies, 0.95), unit: 'ms' },
    { name: 'e2e: sends/s, 1 worker process', value: one, unit: 'sends/s', baseline: bossBaseline(1) },
    { name: 'e2e: sends/s, 2 worker processes', value: two, unit: 'sends/s', baseline: bossBaseline(2) },
    ...SCALING.workerProcesses.map((processes) => ({
      name: figureName.drain(processes),
      value: drains.get(processes)!.sendsPerSecond,
      unit: 'sends/s',
      baseline: bossBaseline(processes),
    })),
    { name: 'delivery alone: CPU per delivered send, worker processes', value: twoDrain.cpuPerSend!.workersMs, unit: 'ms' },
    { name: 'delivery alone: CPU per delivered send, Postgres', value: twoDrain.cpuPerSend!.postgresMs, unit: 'ms' },
    { name: 'delivery alone: statements per delivered send', value: twoDrain.perSend!.statementsPerUnit, unit: 'statements' },
    { name: 'delivery alone: Postgres execution per delivered send', value: twoDrain.perSend!.msPerUnit, unit: 'ms' },
  ];
  report(figures.map((f) => ({ ...f, value: round1(f.value) })));
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  await sql.end();
  await server.stop();
}
