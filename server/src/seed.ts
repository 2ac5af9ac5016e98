import path from 'node:path';
import { Role, SEND_ATTACHMENT_FLAG } from './accounts/roles.js';
import { CHANNEL_IDS } from './channels/channels.js';
import type { Simulator } from '@send-attachment/simulator/simulator';
import type { Services } from './infra/container.js';
import type { Database } from './infra/db/db.js';
import { accounts } from './infra/db/schema.js';
import { makePrivateDir, writePrivateFile } from './infra/private-files.js';

export const DEMO_ACCOUNT_NAME = 'Demo Company';

/**
 * On the first start only (no account yet): a demo account with the flag on, one agent, a
 * token per role and, when the simulator runs here, a ChatService room on each channel.
 * Tokens are stored hashed, so this is the one time they are printed; they are also written
 * to DATA_DIR/demo-tokens.txt (mode 600) for local use (examples/ai-service.ts reads it).
 */
export async function seedDemo(services: Services, database: Database, dataDir: string, simulator?: Simulator) {
  const [existing] = await database.db.select({ id: accounts.id }).from(accounts).limit(1);
  if (existing) return undefined;
  const account = await services.accounts.createAccount(DEMO_ACCOUNT_NAME);
  await services.accounts.setFeatureFlag(account.id, SEND_ATTACHMENT_FLAG, true);
  const agent = await services.agents.create(account.id, 'Support Agent');
  const tokens: Record<string, string> = {};
  for (const role of Object.values(Role)) tokens[role] = await services.accounts.createToken(account.id, role);
  const rooms: Record<string, string> = {};
  for (const channel of CHANNEL_IDS) {
    if (simulator) rooms[channel] = simulator.store.addRoom(account.id, channel, account.chatServiceToken).id;
  }
  const lines = [
    `Demo account ${account.id} ("${DEMO_ACCOUNT_NAME}"), agent ${agent.id} ("${agent.name}")`,
    ...Object.entries(tokens).map(([role, token]) => `  ${role.padEnd(11)} ${token}`),
    ...(simulator
      ? ['ChatService simulator rooms (conversation ids):', ...Object.entries(rooms).map(([channel, id]) => `  room ${channel.padEnd(10)} ${id}`)]
      : ['CHAT_SERVICE_URL is set: no simulator rooms were created.']),
  ];
  makePrivateDir(dataDir);
  writePrivateFile(path.join(dataDir, 'demo-tokens.txt'), `${lines.join('\n')}\n`);
  return { accountId: account.id, agentId: agent.id, tokens, rooms, lines };
}
