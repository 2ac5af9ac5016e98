import postgres from 'postgres';
import { runLoad } from './load.js';
import { cpuMeter, createTenant, createTrainedAction, INVOKE, report, round1, smallPdf, startServerProcess, statementProfile, type Figure, type Tenant } from './lib.js';

/**
 * `pnpm start` as shipped (issue 14 item 3): one server process with its in-process delivery
 * worker (WORKER_CONCURRENCY's default, 8 sends at once, at most half of them one account's) and
 * the default budgets, the simulator as its own process. 64 clients invoke for DURATION_MS with
 * every accepted send delivered by that same process; figures:
 *   - invokes/s and p99 over the window, against `{ __typename }` on the same server;
 *   - sends delivered (SENT, at the simulator) per second within the same window, against the
 *     invokes/s: a ratio of 1 means delivery keeps up, lower means a backlog grows;
 *   - the backlog left at the end of the window, and how long the process takes to clear it.
 * The load is spread over TENANTS accounts (8 clients each at 64), as production traffic is:
 * the default budget (1,000 points per 10 s per account) and the fairness cap apply per account,
 * so one account alone could not be the load this measures.
 */
const CLIENTS = Number(process.env.CLIENTS ?? 64);
const TENANTS = Number(process.env.TENANTS ?? 8);
const DURATION_MS = Number(process.env.DURATION_MS ?? 20_000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 3000);
const LOAD_CPUS = process.env.LOAD_CPUS ?? '1';
/** STATEMENTS=1: Postgres runs pg_stat_statements, and the backlog's drain prints its costliest statements per send. */
const STATEMENTS = process.env.STATEMENTS === '1';

const server = await startServerProcess(STATEMENTS ? { PG_STAT_STATEMENTS: 'on' } : {});
const sql = postgres(server.databaseUrl, { max: 2, onnotice: () => {} });
try {
  const tenants: (Tenant & { actionId: string })[] = [];
  const demo: Tenant = { accountId: server.accountId, agentId: server.agentId, tokens: server.tokens, room: server.rooms.whatsapp! };
  const others = await Promise.all(Array.from({ length: TENANTS - 1 }, (_, i) => createTenant(server, `tenant${i + 1}`)));
  for (const [i, tenant] of [demo, ...others].entries()) {
    const actionId = await createTrainedAction({ url: server.url, tokens: tenant.tokens, agentId: tenant.agentId }, [
      { name: 'price-list.pdf', content: smallPdf(4096, i) },
    ]);
    tenants.push({ ...tenant, actionId });
  }
  const url = `${server.url}/graphql`;
  const variants = tenants.map((t) => ({
    headers: { authorization: `Bearer ${t.tokens.AI_SERVICE}` },
    body: JSON.stringify({ query: INVOKE, variables: { input: { actionId: t.actionId, conversationId: t.room, idempotencyKey: `shipped-${t.accountId}-__N__` } } }),
  }));

  const ceiling = await runLoad(
    { url, headers: {}, body: JSON.stringify({ query: '{ __typename }' }), concurrency: CLIENTS, durationMs: DURATION_MS / 2, warmupMs: WARMUP_MS },
    { cpus: LOAD_CPUS },
  );
  console.error(`  { __typename } c=${CLIENTS}: ${ceiling.rps} calls/s, p99 ${ceiling.p99} ms`);

  const meter = cpuMeter(server);
  const load = await runLoad({ url, headers: {}, body: '', variants, concurrency: CLIENTS, durationMs: DURATION_MS, warmupMs: WARMUP_MS }, { cpus: LOAD_CPUS });
  const cpu = meter.stop();
  if (load.errors > 0) throw new Error(`invoke answered ${load.errors} errors: ${load.firstError}`);
  const windowSeconds = (load.measuredTo - load.measuredFrom) / 1000;
  const [inWindow] = await sql<{ delivered: number; backlog: number }[]>`
    select count(*) filter (where status = 'SENT' and completed_at >= to_timestamp(${load.measuredFrom / 1000})
                                              and completed_at < to_timestamp(${load.measuredTo / 1000}))::int as delivered,
           count(*) filter (where status in ('QUEUED', 'SENDING'))::int as backlog
    from sends`;
  const deliveredPerSecond = Math.round(inWindow!.delivered / windowSeconds);
  // Where a delivery's time went in the window: the ChatService call (attempt) and the rest.
  const [attempts] = await sql<{ n: number; p50: number; p95: number; total_p50: number }[]>`
    select count(*)::int as n,
           percentile_cont(0.5) within group (order by a.duration_ms)::int as p50,
           percentile_cont(0.95) within group (order by a.duration_ms)::int as p95,
           percentile_cont(0.5) within group (order by extract(epoch from s.completed_at - a.started_at) * 1000)::int as total_p50
    from send_attempts a join sends s on s.id = a.send_id
    where a.started_at >= to_timestamp(${load.measuredFrom / 1000}) and a.started_at < to_timestamp(${load.measuredTo / 1000})`;
  console.error(`    in the window: ${attempts!.n} ChatService attempts started, p50 ${attempts!.p50} ms, p95 ${attempts!.p95} ms; attempt start → send SENT p50 ${attempts!.total_p50} ms`);

  // The rest of the backlog: every accepted send must end SENT (nothing lost, nothing failed).
  const statements = STATEMENTS ? await statementProfile(server.databaseUrl) : null;
  await statements?.reset();
  const drainStarted = Date.now();
  for (;;) {
    const [row] = await sql<{ open: number; failed: number }[]>`
      select count(*) filter (where status in ('QUEUED', 'SENDING'))::int as open,
             count(*) filter (where status not in ('QUEUED', 'SENDING', 'SENT'))::int as failed from sends`;
    if (row!.failed > 0) throw new Error(`${row!.failed} sends did not end SENT`);
    if (row!.open === 0) break;
    if (Date.now() - drainStarted > 600_000) throw new Error(`${row!.open} sends still open after 10 minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const drainSeconds = (Date.now() - drainStarted) / 1000;
  await statements?.summary(inWindow!.backlog, 'send of the drained backlog', 12);
  const [total] = await sql<{ sent: number }[]>`select count(*)::int as sent from sends where status = 'SENT'`;
  const runSeconds = (DURATION_MS + WARMUP_MS) / 1000;
  console.error(
    `  invoke c=${CLIENTS} over ${TENANTS} accounts: ${load.rps} calls/s, p50 ${load.p50} ms, p99 ${load.p99} ms, max ${load.max} ms; ` +
      `${inWindow!.delivered} delivered in the ${windowSeconds.toFixed(1)} s window (${deliveredPerSecond}/s), backlog ${inWindow!.backlog} at its end, ` +
      `cleared in ${drainSeconds.toFixed(1)} s; ${total!.sent} sends SENT in all; load generator ${Math.round(load.loaderCpu * 100)}% of a core\n` +
      `    CPU while loaded: server process (API + worker) ${Math.round((cpu.nodeSeconds * 100) / runSeconds)}% of a core, Postgres ${Math.round((cpu.postgresSeconds * 100) / runSeconds)}%`,
  );
  const typename = '{ __typename }, same server';
  const figures: Figure[] = [
    { name: `shipped c=${CLIENTS}: invoke throughput`, value: load.rps, unit: 'calls/s', baseline: { name: typename, value: ceiling.rps } },
    { name: `shipped c=${CLIENTS}: invoke p99`, value: load.p99, unit: 'ms', baseline: { name: typename, value: ceiling.p99 } },
    { name: `shipped c=${CLIENTS}: delivered sends/s in the window`, value: deliveredPerSecond, unit: 'sends/s', baseline: { name: 'invokes/s in the window', value: load.rps } },
    { name: `shipped c=${CLIENTS}: backlog at the end of the window`, value: inWindow!.backlog, unit: 'sends' },
    { name: `shipped c=${CLIENTS}: time to clear the backlog`, value: round1(drainSeconds), unit: 's' },
  ];
  report(figures);
} finally {
  await sql.end();
  await server.stop();
}
