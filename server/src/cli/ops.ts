import { parseArgs } from 'node:util';
import path from 'node:path';
import { startSimulator } from '@send-attachment/simulator/simulator';
import { LocalBlobStore } from '../files/storage.js';
import { loadConfig } from '../infra/config/config.js';
import { createChatServiceClient, createSendWorker, createServices, queueSettings } from '../infra/container.js';
import { connect, runMigrations } from '../infra/db/db.js';
import { openDatabase } from '../infra/db/resolve.js';
import { AppError } from '../infra/errors.js';
import { createLogger } from '../infra/log/logger.js';
import { startQueue } from '../infra/queue/queue.js';
import { parseExpiresIn } from '../accounts/accounts.service.js';
import type { Role } from '../accounts/roles.js';

const USAGE = `Usage: pnpm ops <command>
  account:create <name>                          prints the account id
  agent:create --account <id> <name>             prints the agent id
  token:create --account <id> --role <ROLE> [--expires-in 90d]
                                                 prints the token (shown once; stored hashed);
                                                 --expires-in takes m, h or d
  token:list --account <id>                      one line per token: id, role, created, last
                                                 used, expires, revoked (never the token)
  token:revoke <token id>                        every server refuses it within a second
  flag:set --account <id> <flag> on|off          prints the flag and its state
  worker                                         runs a delivery worker until SIGINT/SIGTERM
                                                 (WORKER_CONCURRENCY sends at once, default 8)
  sim                                            runs the ChatService simulator alone on
                                                 CHAT_SERVICE_PORT (default 4010)`;

/** Resolves at the first SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** Runs one ops command; only its result goes to stdout, logs go to stderr. */
async function run(argv: string[]): Promise<string> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { account: { type: 'string' }, role: { type: 'string' }, 'expires-in': { type: 'string' } },
    allowPositionals: true,
  });
  const need = (value: string | undefined, what: string) => {
    if (!value) throw new UsageError(`${command} needs ${what}`);
    return value;
  };

  const config = loadConfig();
  const longRunning = command === 'worker' || command === 'sim';
  const log = createLogger(config.logLevel === 'info' && !longRunning ? 'warn' : config.logLevel, { service: `ops-${command}` });
  if (command === 'sim') {
    const simulator = await startSimulator({
      port: config.chatServicePort,
      log: (msg, fields) => log.info(msg, fields),
      stateFile: path.join(config.dataDir, 'chat-service-simulator.json'),
    });
    console.error(`ChatService simulator on ${simulator.url}`);
    await untilSignal();
    await simulator.stop();
    return 'simulator stopped';
  }
  const handle = await openDatabase(config, log);
  await runMigrations(handle.url);
  const database = connect(handle.url, { max: command === 'worker' ? 20 : 2 });
  const queue = await startQueue(
    handle.url,
    log,
    { schedule: false, supervise: command === 'worker', superviseSeconds: config.queueMaintenanceSeconds },
    queueSettings(config),
  );
  const infra = {
    config,
    database,
    blobs: new LocalBlobStore(path.join(config.dataDir, 'files')),
    log,
    queue,
    // Unset: the simulator that `pnpm start` runs on this machine.
    chatService: createChatServiceClient(config, config.chatServiceUrl ?? `http://127.0.0.1:${config.chatServicePort}`),
  };
  const services = createServices(infra);
  try {
    switch (command) {
      case 'account:create':
        return (await services.accounts.createAccount(need(positionals.join(' '), 'a name'))).id;
      case 'agent:create':
        return (await services.agents.create(need(values.account, '--account <id>'), need(positionals.join(' '), 'a name'))).id;
      case 'token:create': {
        const expiresIn = values['expires-in'];
        return await services.accounts.createToken(
          need(values.account, '--account <id>'),
          need(values.role, '--role <ROLE>').toUpperCase() as Role,
          { expiresInSeconds: expiresIn === undefined ? undefined : parseExpiresIn(expiresIn) },
        );
      }
      case 'token:list': {
        const tokens = await services.accounts.listTokens(need(values.account, '--account <id>'));
        const when = (d: Date | null) => (d ? d.toISOString() : '-');
        return [
          ['id', 'role', 'created', 'last_used', 'expires', 'revoked'].join('\t'),
          ...tokens.map((t) => [t.id, t.role, when(t.createdAt), when(t.lastUsedAt), when(t.expiresAt), when(t.revokedAt)].join('\t')),
        ].join('\n');
      }
      case 'token:revoke': {
        const revoked = await services.accounts.revokeToken(need(positionals[0], 'a token id'));
        return `revoked ${revoked.id} at ${revoked.revokedAt!.toISOString()}`;
      }
      case 'flag:set': {
        const [flag, state] = positionals;
        if (state !== 'on' && state !== 'off') throw new UsageError('flag:set needs <flag> on|off');
        await services.accounts.setFeatureFlag(need(values.account, '--account <id>'), need(flag, 'a flag'), state === 'on');
        return `${flag} ${state}`;
      }
      case 'worker': {
        const worker = createSendWorker(infra, Math.max(1, config.workerConcurrency));
        await worker.start();
        const signal = await untilSignal();
        await worker.stop();
        return `worker stopped (${signal})`;
      }
      default:
        throw new UsageError(command ? `Unknown command "${command}"` : 'No command given');
    }
  } finally {
    await queue.stop({ graceful: false, timeout: 5000 });
    await database.close();
    await handle.stop();
  }
}

class UsageError extends Error {}

try {
  console.log(await run(process.argv.slice(2)));
  process.exit(0);
} catch (error) {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof AppError) console.error(error.message);
  else console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
