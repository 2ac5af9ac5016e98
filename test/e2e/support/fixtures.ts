import crypto from 'node:crypto';
import type { TestAccount, TestStack } from '../../support/stack.js';
import { FILES } from '../../support/files.js';

export interface ActionFixture {
  name?: string;
  trigger?: string;
  contentMode?: 'AI' | 'MANUAL';
  contentMessage?: string | null;
  enabled?: boolean;
  files?: { name: string; content: Buffer }[];
}

const UPLOAD = `mutation ($file: Upload!) { uploadAttachment(file: $file) { id } }`;
const SAVE = `mutation ($input: SaveSendAttachmentActionInput!) {
  saveSendAttachmentAction(input: $input) { id name version trigger contentMode contentMessage enabled attachments { id fileName } }
}`;

/** Creates an action through the API, as another builder would. */
export async function createAction(stack: TestStack, account: TestAccount, fixture: ActionFixture = {}) {
  const token = account.tokens.ADMIN;
  const ids: string[] = [];
  for (const file of fixture.files ?? [{ name: 'price-list.pdf', content: FILES.pdf() }]) {
    const res = await stack.client.upload(token, UPLOAD, { file: null }, [{ path: 'variables.file', file }]);
    if (!res.data) throw new Error(JSON.stringify(res.errors));
    ids.push(res.data.uploadAttachment.id);
  }
  return saveAction(stack, account, {
    agentId: account.agentId,
    name: fixture.name ?? 'Price list',
    trigger: fixture.trigger ?? 'When a customer asks for prices or the price list.',
    contentMode: fixture.contentMode ?? 'AI',
    contentMessage: fixture.contentMessage ?? null,
    enabled: fixture.enabled ?? true,
    attachmentIds: ids,
  });
}

export async function saveAction(stack: TestStack, account: TestAccount, input: Record<string, unknown>) {
  const res = await stack.client.query(account.tokens.ADMIN, SAVE, { input });
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.saveSendAttachmentAction as {
    id: string;
    name: string;
    version: number;
    trigger: string;
    contentMode: string;
    contentMessage: string | null;
    enabled: boolean;
    attachments: { id: string; fileName: string }[];
  };
}

/** The agent's actions as the API reports them. */
export async function listActions(stack: TestStack, account: TestAccount) {
  const res = await stack.client.query(
    account.tokens.ADMIN,
    `query ($agentId: ID!) { actions(agentId: $agentId) { id name trigger contentMode contentMessage enabled version attachments { fileName kind } } }`,
    { agentId: account.agentId },
  );
  return res.data.actions as {
    id: string;
    name: string;
    trigger: string;
    contentMode: string;
    contentMessage: string | null;
    enabled: boolean;
    version: number;
    attachments: { fileName: string; kind: string }[];
  }[];
}

/** Send history rows, so the library has usage to show (the runtime writes these for real). */
export async function recordSends(stack: TestStack, account: TestAccount, actionId: string, counts: { sent: number; failed: number }) {
  const rows = [
    ...Array.from({ length: counts.sent }, () => ({ status: 'SENT', reason: null })),
    ...Array.from({ length: counts.failed }, () => ({ status: 'FAILED', reason: '5xx' })),
  ];
  for (const row of rows) {
    await stack.sql`
      insert into sends (account_id, agent_id, action_id, conversation_id, channel, status, reason, completed_at)
      values (${account.accountId}, ${account.agentId}, ${actionId}, ${`room-${crypto.randomUUID()}`}, 'whatsapp',
              ${row.status}, ${row.reason}, now())`;
  }
}
