import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LIST_ITEMS } from '../../server/src/infra/input-rules.js';
import { FILES } from '../support/files.js';
import type { GraphQLResponse } from '../support/graphql-client.js';
import { saveAction, uploadFile, type SaveInput } from '../support/operations.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const INVOKE = 'mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { status reason } }';
const SENDS = 'query($f: SendFilter, $a: String) { sends(filter: $f, after: $a) { edges { node { id } } } }';
const NUL = 'a\u0000b';
const LONE_SURROGATE = 'room-\ud800';

function expectRefusal(res: GraphQLResponse, field: string, reason: string) {
  expect(res.errors, JSON.stringify(res.data)).toBeDefined();
  expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
}

/** base64url of the JSON pair the server puts in a cursor. */
const cursor = (createdAt: string) => Buffer.from(JSON.stringify([createdAt, crypto.randomUUID()])).toString('base64url');

describe('input rules: nothing a caller sends reaches Postgres, a URL or a log as an internal error', () => {
  let stack: TestStack;
  let acme: TestAccount;
  let actionId: string;

  beforeAll(async () => {
    stack = await startTestStack({ WORKER_CONCURRENCY: '0' });
    acme = await stack.createAccount();
    const staged = (await uploadFile(stack.client, acme.tokens.ADMIN, { name: 'a.pdf', content: FILES.pdf(1500) })).data!.uploadAttachment.id;
    actionId = (await saveAction(stack.client, acme.tokens.ADMIN, { agentId: acme.agentId, attachmentIds: [staged] })).data!.saveSendAttachmentAction.id;
  });
  afterAll(() => stack?.stop());

  const invoke = (input: Record<string, unknown>) =>
    stack.client.query(acme.tokens.AI_SERVICE, INVOKE, { i: { actionId, conversationId: 'room-1', ...input } });

  it('refuses a NUL character in a caption or an idempotency key, naming the field', async () => {
    expectRefusal(await invoke({ caption: NUL }), 'caption', 'INVALID_CHARACTERS');
    expectRefusal(await invoke({ idempotencyKey: NUL }), 'idempotencyKey', 'INVALID_CHARACTERS');
  });

  it('refuses a lone UTF-16 surrogate in a conversation id (a well-formed pair is fine for a caption)', async () => {
    expectRefusal(await invoke({ conversationId: LONE_SURROGATE }), 'conversationId', 'INVALID_CHARACTERS');
    expectRefusal(await invoke({ caption: 'broken \udc00 text' }), 'caption', 'INVALID_CHARACTERS');
    const fine = await invoke({ caption: 'A price list 📎', conversationId: 'no-such-room' });
    expect(fine.errors).toBeUndefined();
  });

  it.each(['.', '..', 'a/../b', 'a/b', '%2e%2e', '-leading', 'x'.repeat(256), ''])('refuses the conversation id %j: it would change the ChatService URL', async (id) => {
    expectRefusal(await invoke({ conversationId: id }), 'conversationId', 'INVALID_VALUE');
  });

  it.each<[string, Partial<SaveInput>]>([
    ['name', { name: NUL }],
    ['trigger', { trigger: NUL }],
    ['contentMessage', { contentMode: 'MANUAL', contentMessage: NUL }],
  ])('refuses a NUL in the action %s', async (field, input) => {
    expectRefusal(await saveAction(stack.client, acme.tokens.ADMIN, { agentId: acme.agentId, attachmentIds: [], ...input }), field, 'INVALID_CHARACTERS');
  });

  it('refuses a NUL in a sends filter and in sendStats(channel)', async () => {
    expectRefusal(await stack.client.query(acme.tokens.VIEWER, SENDS, { f: { channel: [NUL] } }), 'channel', 'INVALID_CHARACTERS');
    expectRefusal(await stack.client.query(acme.tokens.VIEWER, SENDS, { f: { conversationId: NUL } }), 'conversationId', 'INVALID_CHARACTERS');
    const stats = await stack.client.query(
      acme.tokens.VIEWER,
      'query($c: String) { sendStats(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", bucket: HOUR, channel: $c) { sent } }',
      { c: NUL },
    );
    expectRefusal(stats, 'channel', 'INVALID_CHARACTERS');
  });

  it.each(['2026-02-30 10:00:00+00', '2026-01-01 25:00:00+00', '0000-01-01 00:00:00+00', '2026-13-01 00:00:00+00', '2026-01-01 00:00:00+99'])(
    'refuses a cursor whose timestamp is well-formed but impossible: %s',
    async (createdAt) => {
      expectRefusal(await stack.client.query(acme.tokens.VIEWER, SENDS, { a: cursor(createdAt) }), 'after', 'INVALID_VALUE');
    },
  );

  it('accepts a possible cursor (a leap day)', async () => {
    const res = await stack.client.query(acme.tokens.VIEWER, SENDS, { a: cursor('2028-02-29 23:59:59.999999+00') });
    expect(res.errors).toBeUndefined();
  });

  it(`refuses a filter list longer than ${MAX_LIST_ITEMS} (Postgres takes at most 65,535 parameters)`, async () => {
    const channels = Array.from({ length: 70_000 }, (_, i) => `c${i}`);
    expectRefusal(await stack.client.query(acme.tokens.VIEWER, SENDS, { f: { channel: channels } }), 'channel', 'TOO_MANY_VALUES');
    const ids = Array.from({ length: MAX_LIST_ITEMS + 1 }, () => crypto.randomUUID());
    expectRefusal(await saveAction(stack.client, acme.tokens.ADMIN, { agentId: acme.agentId, attachmentIds: ids }), 'attachmentIds', 'TOO_MANY_VALUES');
    const atCap = await stack.client.query(acme.tokens.VIEWER, SENDS, { f: { channel: channels.slice(0, MAX_LIST_ITEMS) } });
    expect(atCap.errors).toBeUndefined();
  });

  it('refuses a date no send history can have (year 0, after 9999)', async () => {
    const res = await stack.client.query(acme.tokens.VIEWER, SENDS, { f: { from: '0000-01-01T00:00:00Z' } });
    expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const late = await stack.client.query(acme.tokens.VIEWER, SENDS, { f: { to: '9999-12-31T23:59:59-05:00' } });
    expect(late.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  describe('the CSV export', () => {
    const csv = (query: string, token: string | null = acme.tokens.VIEWER) =>
      fetch(`${stack.server.url}/exports/sends.csv?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    it('checks the token first, then the filters, and answers JSON before any CSV header', async () => {
      const anonymous = await csv('channel=%00', null);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
      const nul = await csv('channel=%00');
      expect(nul.status).toBe(400);
      expect(nul.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await nul.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'channel', reason: 'INVALID_CHARACTERS' });
    });

    it('refuses an oversize list and an out-of-range date', async () => {
      const many = await csv(`channel=${Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => `c${i}`).join(',')}`);
      expect(many.status).toBe(400);
      expect(((await many.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions).toMatchObject({ field: 'channel', reason: 'TOO_MANY_VALUES' });
      const early = await csv('from=-271821-04-20T00:00:00Z');
      expect(early.status).toBe(400);
      expect(((await early.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions).toMatchObject({ field: 'from', reason: 'INVALID_VALUE' });
    });

    it('still streams a valid export', async () => {
      const ok = await csv('status=FAILED,SENT');
      expect(ok.status).toBe(200);
      expect((await ok.text()).startsWith('send_id,')).toBe(true);
    });
  });
});
