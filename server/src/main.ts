import path from 'node:path';
import { spawnSimulator } from '@send-attachment/simulator/process';
import { startAdmin } from './infra/admin/admin-process.js';
import { loadConfig, ConfigError } from './infra/config/config.js';
import { openDatabase } from './infra/db/resolve.js';
import { createLogger } from './infra/log/logger.js';
import { SecretsError } from './infra/secrets/secrets.js';
import { seedDemo } from './seed.js';
import { startServer } from './server.js';

/**
 * `pnpm start`: database (embedded unless DATABASE_URL), the ChatService simulator as its own
 * process (unless CHAT_SERVICE_URL), migrations, server, demo seed, admin.
 */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel, { service: 'server' });
  const started = Date.now();

  // Registered first, so a signal during start-up also stops what has started so far.
  const running: { stop(): Promise<void> }[] = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('server.stopping', { signal });
    for (const part of running.reverse()) await part.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const database = await openDatabase(config, log);
  running.push(database);
  const simulator = config.chatServiceUrl
    ? undefined
    : await spawnSimulator({
        port: config.chatServicePort,
        mode: config.chatServiceApi,
        stateFile: path.join(config.dataDir, 'chat-service-simulator.json'),
        logLevel: config.logLevel,
      });
  if (simulator) running.push(simulator);
  let server;
  try {
    server = await startServer({ config, databaseUrl: database.url, log, chatServiceUrl: simulator?.url });
  } catch (error) {
    // A storage bucket or a secrets key that cannot be used is a configuration problem: say so, without a stack.
    if (!(error instanceof ConfigError || error instanceof SecretsError)) throw error;
    console.error(error.message);
    for (const part of running.reverse()) await part.stop();
    process.exit(2);
  }
  running.push(server);
  const seeded = await seedDemo(server.services, server.database, config.dataDir, simulator);
  // The built admin, same origin as its /graphql (proxied here); root `pnpm start` builds it first.
  const admin = await startAdmin({ port: config.adminPort, apiUrl: server.url, log });
  if (admin) running.push(admin);

  console.log(`\nSend Attachment is running (started in ${Date.now() - started} ms)`);
  if (admin) console.log(`  Admin     http://localhost:${config.adminPort}`);
  console.log(`  GraphQL   http://localhost:${server.port}/graphql`);
  console.log(`  Health    http://localhost:${server.port}/healthz`);
  console.log(
    `  ChatService ${simulator ? `simulator (${simulator.mode} API) ${server.chatServiceUrl}, controls ${simulator.url}/__sim/inbox, /__sim/faults` : server.chatServiceUrl}`,
  );
  console.log(`  Worker    ${server.worker ? `in-process, ${config.workerConcurrency} at a time` : 'off (WORKER_CONCURRENCY=0): run `pnpm ops worker`'}`);
  if (seeded) {
    console.log(`\n${seeded.lines.join('\n')}`);
    console.log(`  (saved to ${config.dataDir}/demo-tokens.txt; shown only on the first start)`);
  }
}

await main();
