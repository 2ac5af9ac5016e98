import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createChatServiceAdapter } from '../chat-service/chat-service.adapter.js';
import { ConfigError, loadConfig } from '../infra/config/config.js';
import { createBlobStore, createSendWorker, createServices, createWebhookWorker, queueSettings } from '../infra/container.js';
import { connect, runMigrations } from '../infra/db/db.js';
import { openDatabase } from '../infra/db/resolve.js';
import { AppError } from '../infra/errors.js';
import { createLogger } from '../infra/log/logger.js';
import { startQueue } from '../infra/queue/queue.js';
import { secretBoxFor, SecretsError } from '../infra/secrets/secrets.js';
import { checkSecretKeys } from '../accounts/chat-service-credentials.js';
import { parseExpiresIn, type ChatServiceSettingsView } from '../accounts/accounts.service.js';
import type { Role } from '../accounts/roles.js';

const USAGE = `Usage: pnpm ops <command>
  account:create <name> [--chat-service-token T] [--chat-service-org O]
                                                 prints the account id
  account:set-chat-service --account <id> [--chat-service-token T] [--chat-service-org O]
                                                 sets or rotates the account's ChatService token
                                                 and/or organization id ("" clears the org);
                                                 prints what is set, never the token
  agent:create --account <id> <name>             prints the agent id
  token:create --account <id> --role <ROLE> [--expires-in 90d]
                                                 prints the token (shown once; stored hashed);
                                                 --expires-in takes m, h or d
  token:list --account <id>                      one line per token: id, role, created, last
                                                 used, expires, revoked (never the token)
  token:revoke <token id>                        every server refuses it within a second
  flag:set --account <id> <flag> on|off          prints the flag and its state
  secrets:rotate                                 seals every ChatService token with SECRETS_KEY
                                                 (old key in SECRETS_KEY_PREVIOUS; docs/deployment.md)
  worker                                         runs a delivery worker until SIGINT/SIGTERM
                                                 (WORKER_CONCURRENCY sends at once, default 8)

  --chat-service-token - reads the token from stdin, keeping it out of the shell history and ps.
  The ChatService simulator runs alone with \`pnpm sim\`.`;

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
    options: {
      account: { type: 'string' },
      role: { type: 'string' },
      'expires-in': { type: 'string' },
      'chat-service-token': { type: 'string' },
      'chat-service-org': { type: 'string' },
    },
    allowPositionals: true,
  });
  const need = (value: string | undefined, what: string) => {
    if (!value) throw new UsageError(`${command} needs ${what}`);
    return value;
  };

  if (command === 'sim') throw new UsageError('The simulator is its own package now: run `pnpm sim`');
  const chatService = {
    token: values['chat-service-token'] === '-' ? readStdin() : values['chat-service-token'],
    organizationId: values['chat-service-org'],
  };

  const config = loadConfig();
  const log = createLogger(config.logLevel === 'info' && command !== 'worker' ? 'warn' : config.logLevel, { service: `ops-${command}` });
  const secrets = secretBoxFor(config);
  // First: a wrong storage setting is reported before anything else has started.
  const blobs = await createBlobStore(config);
  const handle = await openDatabase(config, log);
  await runMigrations(handle.url);
  const database = connect(handle.url, { max: command === 'worker' ? 20 : 2 });
  try {
    // Sealing with, or delivering under, a key the other nodes do not share would be worse than stopping.
    await checkSecretKeys(database, secrets);
  } catch (error) {
    await database.close();
    await handle.stop();
    throw error;
  }
  const queue = await startQueue(
    handle.url,
    log,
    { schedule: false, supervise: command === 'worker', superviseSeconds: config.queueMaintenanceSeconds },
    queueSettings(config),
  );
  const infra = {
    config,
    database,
    blobs,
    log,
    queue,
    // Unset: the simulator that `pnpm start` runs on this machine.
    chatService: createChatServiceAdapter(config, config.chatServiceUrl ?? `http://127.0.0.1:${config.chatServicePort}`),
    secrets,
  };
  const services = createServices(infra);
  try {
    switch (command) {
      case 'account:create':
        return (await services.accounts.createAccount(need(positionals.join(' '), 'a name'), chatService)).id;
      case 'account:set-chat-service':
        return describeSettings(await services.accounts.setChatServiceSettings(need(values.account, '--account <id>'), chatService));
      case 'secrets:rotate':
        return `${await services.accounts.resealChatServiceTokens()} ChatService token(s) and ${await services.webhooks.resealSecrets()} webhook secret(s) re-sealed with key ${secrets.currentKeyId}`;
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
        // Account webhooks too, unless WEBHOOK_CONCURRENCY=0 (docs/webhooks.md).
        const webhooks = config.webhooks.concurrency > 0 ? createWebhookWorker(infra) : undefined;
        await webhooks?.start();
        const signal = await untilSignal();
        await webhooks?.stop();
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

/** What an operator may read back: whether a token is set, never the token. */
function describeSettings(settings: ChatServiceSettingsView): string {
  return `account ${settings.accountId}: ChatService token ${settings.tokenSet ? 'set' : 'not set'}, organization ${settings.organizationId ?? 'not set'}`;
}

/** The whole of stdin, trimmed (for `--chat-service-token -`). */
function readStdin(): string {
  return fs.readFileSync(0, 'utf8').trim();
}

try {
  console.log(await run(process.argv.slice(2)));
  process.exit(0);
} catch (error) {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof AppError || error instanceof ConfigError || error instanceof SecretsError) console.error(error.message);
  else console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
