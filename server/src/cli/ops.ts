import { parseArgs } from 'node:util';
import path from 'node:path';
import { LocalBlobStore } from '../files/storage.js';
import { loadConfig } from '../infra/config/config.js';
import { createServices } from '../infra/container.js';
import { connect, runMigrations } from '../infra/db/db.js';
import { openDatabase } from '../infra/db/resolve.js';
import { AppError } from '../infra/errors.js';
import { createLogger } from '../infra/log/logger.js';
import { startQueue } from '../infra/queue/queue.js';
import type { Role } from '../accounts/roles.js';

const USAGE = `Usage: pnpm ops <command>
  account:create <name>                          prints the account id
  agent:create --account <id> <name>             prints the agent id
  token:create --account <id> --role <ROLE>      prints the token (shown once; stored hashed)
  flag:set --account <id> <flag> on|off          prints the flag and its state`;

/** Runs one ops command; only its result goes to stdout, logs go to stderr. */
async function run(argv: string[]): Promise<string> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { account: { type: 'string' }, role: { type: 'string' } },
    allowPositionals: true,
  });
  const need = (value: string | undefined, what: string) => {
    if (!value) throw new UsageError(`${command} needs ${what}`);
    return value;
  };

  const config = loadConfig();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, { service: 'ops' });
  const handle = await openDatabase(config, log);
  await runMigrations(handle.url);
  const database = connect(handle.url, { max: 2 });
  const queue = await startQueue(handle.url, log, { schedule: false });
  const services = createServices({
    config,
    database,
    blobs: new LocalBlobStore(path.join(config.dataDir, 'files')),
    queue,
    log,
  });
  try {
    switch (command) {
      case 'account:create':
        return (await services.accounts.createAccount(need(positionals.join(' '), 'a name'))).id;
      case 'agent:create':
        return (await services.agents.create(need(values.account, '--account <id>'), need(positionals.join(' '), 'a name'))).id;
      case 'token:create':
        return await services.accounts.createToken(
          need(values.account, '--account <id>'),
          need(values.role, '--role <ROLE>').toUpperCase() as Role,
        );
      case 'flag:set': {
        const [flag, state] = positionals;
        if (state !== 'on' && state !== 'off') throw new UsageError('flag:set needs <flag> on|off');
        await services.accounts.setFeatureFlag(need(values.account, '--account <id>'), need(flag, 'a flag'), state === 'on');
        return `${flag} ${state}`;
      }
      default:
        throw new UsageError(command ? `Unknown command "${command}"` : 'No command given');
    }
  } finally {
    await queue.stop({ graceful: false, wait: true });
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
