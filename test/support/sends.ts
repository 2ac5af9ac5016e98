import type { Role } from '../../server/src/accounts/roles.js';
import type { SimMessage } from '../../simulator/src/store.js';
import { dataOf } from './graphql-client.js';
import { graphql, type ResultOf } from './graphql.js';
import type { TestAccount, TestStack } from './stack.js';

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The simulator's control API, over HTTP as a test or demo would use it. */
export class SimulatorControl {
  constructor(readonly url: string) {}

  async addRoom(accountId: string, channel: string, token?: string): Promise<string> {
    const res = await fetch(`${this.url}/__sim/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId, channel, token }),
    });
    if (res.status !== 201) throw new Error(`addRoom: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async inbox(roomId: string): Promise<SimMessage[]> {
    return (await fetch(`${this.url}/__sim/inbox?roomId=${encodeURIComponent(roomId)}`)).json() as Promise<SimMessage[]>;
  }

  async calls(roomId: string): Promise<number> {
    return ((await (await fetch(`${this.url}/__sim/calls?roomId=${encodeURIComponent(roomId)}`)).json()) as { calls: number }).calls;
  }

  async setFaults(faults: { status?: number; count?: number; rate?: number; latencyMs?: number; retryAfterSeconds?: number }) {
    const res = await fetch(`${this.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    if (!res.ok) throw new Error(`setFaults: ${res.status} ${await res.text()}`);
  }

  async clearFaults() {
    await fetch(`${this.url}/__sim/faults`, { method: 'DELETE' });
  }
}

export const simulatorOf = (stack: Pick<TestStack, 'simulator'>) => new SimulatorControl(stack.simulator.url);

/**
 * A room on `channel` for the account, registered with the account's ChatService token; its
 * owner is the account (internal API) or the account's organization (open API).
 */
export async function addRoom(stack: Pick<TestStack, 'simulator'>, account: TestAccount, channel: string): Promise<string> {
  return simulatorOf(stack).addRoom(account.chatServiceOrg ?? account.accountId, channel, account.chatServiceToken);
}

const Invoke = graphql(`
  mutation SupportInvoke($input: InvokeSendAttachmentInput!) {
    invokeSendAttachment(input: $input) {
      sendId
      status
      reason
      deduplicated
    }
  }
`);

export type Receipt = ResultOf<typeof Invoke>['invokeSendAttachment'];

/** invokeSendAttachment as the AI service calls it (or as `role`, to be refused); a GraphQL error throws. */
export async function invoke(
  stack: TestStack,
  account: TestAccount,
  input: { actionId: string; conversationId: string; caption?: string | null; idempotencyKey?: string | null },
  role: Role = 'AI_SERVICE' as Role,
): Promise<Receipt> {
  const res = await stack.client.query(account.tokens[role], Invoke, { input });
  return dataOf(res, 'invokeSendAttachment').invokeSendAttachment;
}

const SendQuery = graphql(`
  query SupportSend($id: ID!) {
    send(id: $id) {
      id
      status
      receiptStatus
      reason
      reasonDetail
      channel
      conversationId
      actionId
      actionName
      agentId
      caption
      isTest
      idempotencyKey
      failedAttempts
      createdAt
      completedAt
      files {
        id
        position
        fileName
        kind
        sizeBytes
        sha256
        status
        delivery
        deliveredAt
        messageId
      }
      attempts {
        id
        sendFileId
        attempt
        startedAt
        durationMs
        httpStatus
        error
        responseExcerpt
      }
    }
  }
`);

/** The send as the account's VIEWER reads it; throws when the account has no such send. */
export async function getSend(stack: TestStack, account: TestAccount, id: string) {
  const res = await stack.client.query(account.tokens.VIEWER, SendQuery, { id });
  const send = dataOf(res, 'send').send;
  if (!send) throw new Error(`send ${id}: not one of the account's sends`);
  return send;
}

/** Waits until the send reaches SENT, FAILED or CANCELLED and returns it. */
export async function waitForFinalSend(stack: TestStack, account: TestAccount, id: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const send = await getSend(stack, account, id);
      return ['SENT', 'FAILED', 'CANCELLED'].includes(send.status) ? send : undefined;
    },
    // Every 200 ms: each poll is charged to the account's console budget (500 points per 10 s), and
    // a test that polls at the default 50 ms while a slow machine delays delivery spends it.
    { timeoutMs, intervalMs: 200, what: `send ${id} to finish` },
  );
}

export async function eventsOf(stack: TestStack, accountId: string, name?: string) {
  const rows = await stack.sql<{ name: string; properties: Record<string, unknown> }[]>`
    select name, properties from events where account_id = ${accountId} ${name ? stack.sql`and name = ${name}` : stack.sql``} order by id`;
  return rows;
}
