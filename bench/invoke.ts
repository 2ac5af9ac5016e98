import { printProfiles } from './cpu-profile.js';
import { runLoad, type LoadResult } from './load.js';
import { cpuMeter, createTrainedAction, figureName, INVOKE, report, round1, SCALING, smallPdf, startServerProcess, type Figure } from './lib.js';

/**
 * invokeSendAttachment latency (p50, p99) and throughput at 1, 4, 16, 64 and 256 concurrent clients,
 * against `{ __typename }` on the same server at the same concurrency (what Apollo + Express
 * can do at all on this machine).
 *
 * CPU split (2 cores): the server process, the ChatService simulator (its own process since
 * the simulator left the server; it answers the room lookups) and Postgres float on both cores; the load generator is its own
 * process pinned to core 1 (LOAD_CPUS), and its own CPU use is printed. No delivery worker
 * runs (WORKER_CONCURRENCY=0): this measures the mutation; delivery has its own benchmark.
 * Every call carries its own idempotency key, so the duplicate guard never short-circuits.
 */
const DURATION_MS = Number(process.env.DURATION_MS ?? 8000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 2000);
const LOAD_CPUS = process.env.LOAD_CPUS ?? '1';
const LEVELS = process.env.LEVELS ? process.env.LEVELS.split(',').map(Number) : SCALING.clients;

// PROFILE=dir writes a V8 CPU profile of the server process there (inspect it in Chrome DevTools).
const server = await startServerProcess(
  // The budgets stay on, far above what the bench sends: every invoke pays for its charge as in
  // production, though 64 clients are one account. (startServerProcess also serves tests that
  // need the default budgets, so this is set here.)
  { WORKER_CONCURRENCY: '0', RATE_LIMIT_AI_SERVICE_POINTS: '10000000', RATE_LIMIT_CONSOLE_POINTS: '10000000' },
  { nodeArgs: [...(process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : []), ...(process.env.PRELOAD ? ['--import', process.env.PRELOAD] : [])] },
);
try {
  const actionId = await createTrainedAction(server, [{ name: 'price-list.pdf', content: smallPdf(4096) }]);
  const room = server.rooms.whatsapp!;
  const headers = { authorization: `Bearer ${server.tokens.AI_SERVICE}` };
  const url = `${server.url}/graphql`;
  const invokeBody = JSON.stringify({
    query: INVOKE,
    variables: { input: { actionId, conversationId: room, idempotencyKey: `bench-${process.pid}-__N__` } },
  });
  const typenameBody = JSON.stringify({ query: '{ __typename }' });

  const figures: Figure[] = [];
  const line = (what: string, c: number, r: LoadResult) =>
    console.error(
      `  ${what.padEnd(12)} c=${String(c).padStart(2)}: ${String(r.rps).padStart(5)} calls/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ` +
        `max ${r.max} ms, ${r.errors} errors, load generator ${Math.round(r.loaderCpu * 100)}% of a core` +
        (r.firstError ? `\n    first error: ${r.firstError}` : ''),
    );
  for (const concurrency of LEVELS) {
    const spec = { url, headers, concurrency, durationMs: DURATION_MS, warmupMs: WARMUP_MS };
    // INVOKE_ONLY=1 skips the ceiling (for profiling the invoke path alone).
    const ceiling = process.env.INVOKE_ONLY
      ? { rps: NaN, p50: NaN, p99: NaN, max: NaN, errors: 0, requests: 0, firstError: null, loaderCpu: 0, measuredFrom: 0, measuredTo: 0 }
      : await runLoad({ ...spec, body: typenameBody }, { cpus: LOAD_CPUS });
    line('__typename', concurrency, ceiling);
    const meter = cpuMeter(server);
    const invoke = await runLoad({ ...spec, body: invokeBody }, { cpus: LOAD_CPUS });
    const cpu = meter.stop();
    line('invoke', concurrency, invoke);
    // Over warm-up and measured window alike: CPU per call, a figure other load on the machine moves less.
    const calls = invoke.rps * ((DURATION_MS + WARMUP_MS) / 1000);
    console.error(
      `    CPU per invoke: server ${round1((cpu.nodeSeconds * 1000) / calls)} ms, Postgres ${round1((cpu.postgresSeconds * 1000) / calls)} ms ` +
        `(server ${Math.round((cpu.nodeSeconds * 100000) / (DURATION_MS + WARMUP_MS))}% of a core, Postgres ${Math.round((cpu.postgresSeconds * 100000) / (DURATION_MS + WARMUP_MS))}%)`,
    );
    if (invoke.errors > 0) throw new Error(`invoke answered ${invoke.errors} errors: ${invoke.firstError}`);
    figures.push(
      { name: figureName.invoke(concurrency, 'throughput'), value: invoke.rps, unit: 'calls/s', baseline: { name: '{ __typename }', value: ceiling.rps } },
      { name: figureName.invoke(concurrency, 'p50'), value: invoke.p50, unit: 'ms', baseline: { name: '{ __typename }', value: ceiling.p50 } },
      { name: figureName.invoke(concurrency, 'p99'), value: invoke.p99, unit: 'ms', baseline: { name: '{ __typename }', value: ceiling.p99 } },
    );
  }
  report(figures);
} finally {
  await server.stop();
}
// The profile is written when the server exits.
if (process.env.PROFILE) printProfiles(process.env.PROFILE);
