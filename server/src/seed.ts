import crypto from 'node:crypto';
import path from 'node:path';
import { Role, SEND_ATTACHMENT_FLAG } from './accounts/roles.js';
import { CHANNEL_IDS, CHANNELS } from './channels/channels.js';
import type { Services } from './infra/container.js';
import type { Database } from './infra/db/db.js';
import { accounts } from './infra/db/schema.js';
import { makePrivateDir, writePrivateFile } from './infra/private-files.js';

export const DEMO_ACCOUNT_NAME = 'Demo Company';

/** The simulator `pnpm start` runs: its control root and which API it plays. */
interface DemoSimulator {
  url: string;
  mode: 'core' | 'open';
}

/**
 * On the first start only (no account yet): a demo account with the flag on, one agent, a
 * token per role and, when the simulator runs, a ChatService room on each channel. The
 * account's ChatService token is made up here and registered with the simulator (which is
 * what makes it the account's token there); in the open API's mode the rooms carry an
 * organization id, set on the account too. API tokens are stored hashed, so this is the one
 * time they are printed; they are also written to DATA_DIR/demo-tokens.txt (mode 600) for
 * local use (examples/ai-service.ts reads it).
 */
export async function seedDemo(services: Services, database: Database, dataDir: string, simulator?: DemoSimulator) {
  const [existing] = await database.db.select({ id: accounts.id }).from(accounts).limit(1);
  if (existing) return undefined;
  const chatServiceToken = `demo_${crypto.randomBytes(24).toString('base64url')}`;
  const organizationId = simulator?.mode === 'open' ? `org_${crypto.randomBytes(6).toString('hex')}` : null;
  const account = await services.accounts.createAccount(DEMO_ACCOUNT_NAME, simulator ? { token: chatServiceToken, organizationId } : {});
  await services.accounts.setFeatureFlag(account.id, SEND_ATTACHMENT_FLAG, true, { label: 'demo seed', tokenId: null });
  const agent = await services.agents.create(account.id, 'Support Agent');
  const tokens: Record<string, string> = {};
  for (const role of Object.values(Role)) tokens[role] = await services.accounts.createToken(account.id, role);
  const rooms: Record<string, string> = {};
  for (const channel of CHANNEL_IDS) {
    if (!simulator) continue;
    rooms[channel] = await addSimulatorRoom(simulator.url, organizationId ?? account.id, channel, chatServiceToken);
    // Every demo room is a test conversation, so "Send a test" works out of the box.
    await services.testSends.addFor(account.id, { conversationId: rooms[channel], label: `Demo ${CHANNELS[channel].label} room` });
  }
  const lines = [
    `Demo account ${account.id} ("${DEMO_ACCOUNT_NAME}"), agent ${agent.id} ("${agent.name}")`,
    ...Object.entries(tokens).map(([role, token]) => `  ${role.padEnd(11)} ${token}`),
    ...(simulator
      ? ['ChatService simulator rooms (conversation ids):', ...Object.entries(rooms).map(([channel, id]) => `  room ${channel.padEnd(10)} ${id}`)]
      : [
          'CHAT_SERVICE_URL is set: no simulator rooms were created; give the account its ChatService token with',
          `  pnpm ops account:set-chat-service --account ${account.id} --chat-service-token -`,
        ]),
  ];
  makePrivateDir(dataDir);
  writePrivateFile(path.join(dataDir, 'demo-tokens.txt'), `${lines.join('\n')}\n`);
  return { accountId: account.id, agentId: agent.id, tokens, rooms, lines };
}

/** POST /__sim/rooms: the room's owner is the account (internal API) or organization (open API). */
async function addSimulatorRoom(simulatorUrl: string, owner: string, channel: string, token: string): Promise<string> {
  const res = await fetch(`${simulatorUrl}/__sim/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId: owner, channel, token }),
  });
  if (res.status !== 201) throw new Error(`The simulator refused a demo room: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}
