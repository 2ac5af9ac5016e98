import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { Role, SEND_ATTACHMENT_FLAG } from '../server/src/accounts/roles.js';
import { loadConfig } from '../server/src/infra/config/config.js';
import { startEmbeddedPostgres } from '../server/src/infra/db/embedded.js';
import { createLogger } from '../server/src/infra/log/logger.js';
import { startServer } from '../server/src/server.js';
import { figureName, report, SCALING, type Figure } from './lib.js';

/**
 * Dashboard and history queries over a year of sends, measured as the account grows: at 10k,
 * 100k and 1M sends (SENDS=10000,100000 picks the steps), each step loading the difference.
 * sendStats at three bucket sizes and alert evaluation, against the same totals aggregated from
 * raw sends (the baseline the rollups exist to avoid); the history's pages. Latencies are
 * measured over real HTTP.
 */
const STEPS = process.env.SENDS ? process.env.SENDS.split(',').map(Number) : [...SCALING.sends];
const RUNS = Number(process.env.RUNS ?? 30);
const log = createLogger('error');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-bench-dash-'));
fs.chmodSync(dir, 0o755);
const pg = await startEmbeddedPostgres(dir, log, { persistent: false, durable: false });
// Unlimited budget: this measures the queries, not the budget.
const config = loadConfig({ DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'error', RATE_LIMIT_CONSOLE_POINTS: '0' });
// No send is delivered here: ChatService is never called, so any URL does.
const server = await startServer({ config, databaseUrl: pg.url, log, port: 0, chatServiceUrl: 'http://127.0.0.1:9' });
const sql = postgres(pg.url, { max: 4, onnotice: () => {} });

try {
  const { accounts, agents } = server.services;
  const account = await accounts.createAccount('Bench Co');
  await accounts.setFeatureFlag(account.id, SEND_ATTACHMENT_FLAG, true);
  const agentIds = [];
  for (let i = 0; i < 5; i++) agentIds.push((await agents.create(account.id, `Agent ${i}`)).id);
  const token = await accounts.createToken(account.id, Role.ADMIN);
  const actions = [];
  for (const [i, agentId] of agentIds.entries()) {
    const [a] = await sql`insert into actions (account_id, agent_id, name, trigger, content_mode)
      values (${account.id}, ${agentId}, ${`Action ${i}`}, 'When asked', 'AI') returning id`;
    actions.push({ id: a!.id as string, agentId });
  }

  const to = new Date();
  const from = new Date(to.getTime() - 365 * 24 * 3600_000);
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const STATS = `query($from: DateTime!, $to: DateTime!, $bucket: StatsBucket!) { sendStats(from: $from, to: $to, bucket: $bucket) {
    sent failed successRate series { bucketStart sent failed } reasons { reason count } channels { channel sent failed }
    actions { actionId sent failed } adoption { rate } weekOverWeek { successRateChange } } }`;
  const HISTORY = `query($filter: SendFilter, $after: String) { sends(filter: $filter, first: 50, after: $after) {
    edges { cursor node { id status reason channel createdAt actionName files { fileName } } } pageInfo { hasNextPage endCursor } } }`;
  const HISTORY_COUNT = `query($filter: SendFilter) { sends(filter: $filter, first: 50) { totalCount edges { node { id } } } }`;

  const time = async (fn: () => Promise<unknown>) => {
    await fn(); // warm
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await fn();
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    const pct = (p: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]! * 10) / 10;
    return { p50: pct(0.5), p99: pct(0.99) };
  };

  let loaded = 0;
  for (const sends of STEPS) {
    const loadStart = Date.now();
    const batch = 100_000;
    for (let done = loaded; done < sends; done += batch) {
      const n = Math.min(batch, sends - done);
      // Spread over the year; 4% failures with a realistic reason mix; five actions, four channels.
      await sql`
        insert into sends (account_id, agent_id, action_id, conversation_id, channel, status, reason, created_at, updated_at, completed_at)
        select ${account.id}, (${sql.array(actions.map((a) => a.agentId))}::uuid[])[1 + i % 5],
               (${sql.array(actions.map((a) => a.id))}::uuid[])[1 + i % 5], 'c' || i,
               (array['whatsapp','telegram','email','line'])[1 + i % 4],
               case when i % 25 = 0 then 'FAILED' else 'SENT' end::send_status,
               case when i % 25 = 0 then (array['5xx','channel_limit_exceeded','file_missing'])[1 + i % 3] end,
               t, t, t
        from (select i, ${from.toISOString()}::timestamptz + (random() * interval '365 days') as t
              from generate_series(${done + 1}::int, ${done + n}::int) as i) s`;
    }
    loaded = sends;
    // Steady state: the stats.fold job has moved the deltas into the rollups (it runs every minute).
    await server.services.stats.fold();
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const [{ rollups }] = (await sql`select count(*)::int as rollups from send_rollups_hourly`) as unknown as [{ rollups: number }];
    // What autovacuum does in steady state; a bulk load leaves the tables unvacuumed and unanalysed.
    await sql`vacuum analyze`;

    const raw = await time(() => sql`
      select count(*) filter (where status = 'SENT'), count(*) filter (where status = 'FAILED'),
             date_trunc('day', completed_at) from sends where account_id = ${account.id}
             and completed_at >= ${from.toISOString()} and completed_at < ${to.toISOString()} group by 3`);
    const yearByDay = await time(() => gql(STATS, { from, to, bucket: 'DAY' }));
    const yearByWeek = await time(() => gql(STATS, { from, to, bucket: 'WEEK' }));
    const weekByHour = await time(() => gql(STATS, { from: new Date(to.getTime() - 7 * 24 * 3600_000), to, bucket: 'HOUR' }));
    const alerts = await time(() => server.services.alerts.evaluate());
    const firstPage = await gql(HISTORY, {});
    const historyFirst = await time(() => gql(HISTORY, {}));
    const historyDeep = await time(() => gql(HISTORY, { after: firstPage.sends.pageInfo.endCursor }));
    const historyFailed = await time(() => gql(HISTORY, { filter: { status: ['FAILED'], channel: ['telegram'] } }));
    const historyCount = await time(() => gql(HISTORY_COUNT, {}));
    const typename = await time(() => gql('{ __typename }', {}));

    const baseline = { name: 'raw GROUP BY over sends, same year (SQL only)', value: raw.p50 };
    const at = (what: string) => figureName.atSends(sends, what);
    const figures: Figure[] = [
      { name: at('dashboard: load time incl. rollup trigger and fold'), value: Math.round(loadSeconds), unit: 's' },
      { name: at('dashboard: hourly rollup rows'), value: rollups, unit: 'rows' },
      { name: at('dashboard: raw aggregate baseline p50'), value: raw.p50, unit: 'ms' },
      { name: at('dashboard: sendStats year by DAY p50'), value: yearByDay.p50, unit: 'ms', baseline },
      { name: at('dashboard: sendStats year by DAY p99'), value: yearByDay.p99, unit: 'ms' },
      { name: at('dashboard: sendStats year by WEEK p50'), value: yearByWeek.p50, unit: 'ms', baseline },
      { name: at('dashboard: sendStats last 7 days by HOUR p50'), value: weekByHour.p50, unit: 'ms', baseline },
      { name: at('dashboard: alert evaluation (all rules) p50'), value: alerts.p50, unit: 'ms' },
      { name: at('history: first page of 50 p50'), value: historyFirst.p50, unit: 'ms', baseline: { name: '{ __typename } over HTTP', value: typename.p50 } },
      { name: at('history: first page of 50 p99'), value: historyFirst.p99, unit: 'ms' },
      { name: at('history: next page by cursor p50'), value: historyDeep.p50, unit: 'ms' },
      { name: at('history: FAILED on telegram, first page p50'), value: historyFailed.p50, unit: 'ms' },
      { name: at('history: first page with totalCount p50'), value: historyCount.p50, unit: 'ms' },
      { name: at('dashboard: { __typename } over HTTP p50'), value: typename.p50, unit: 'ms' },
    ];
    report(figures);
  }
} finally {
  await sql.end();
  await server.stop();
  await pg.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
