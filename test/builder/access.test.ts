import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import type { GraphQLResponse } from '../support/graphql-client.js';
import {
  ACTIONS, CATALOG, DELETE, SAVE, SET_ENABLED, TOOLS, TRAIN, UPLOAD,
} from '../support/operations.js';
import { createAction } from '../support/factories.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

type Role = 'ADMIN' | 'BOT_MANAGER' | 'AGENT' | 'VIEWER' | 'AI_SERVICE' | 'OPS';
const ROLES: Role[] = ['ADMIN', 'BOT_MANAGER', 'AGENT', 'VIEWER', 'AI_SERVICE', 'OPS'];
const BUILDERS: Role[] = ['ADMIN', 'BOT_MANAGER'];
const READERS: Role[] = [...BUILDERS, 'AGENT', 'VIEWER'];

/**
 * The role matrix of SPEC section 1, checked over real HTTP: every operation with every role,
 * with no token, and with a token of another account.
 */
describe('access: role matrix and account isolation', () => {
  let stack: TestStack;
  let acme: TestAccount;
  let globex: TestAccount;

  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.createAccount();
    globex = await stack.createAccount();
  });
  afterAll(() => stack?.stop());

  /** A fresh action of `owner` for each call, so destructive operations do not interfere. */
  const freshAction = async (owner = acme) => (await createAction(stack, owner)).id;

  interface Operation {
    name: string;
    allowed: Role[];
    /** Runs the operation with `token` against resources of `owner`. */
    run(token: string | null, owner: TestAccount): Promise<GraphQLResponse>;
    /** False where the operation names no resource of the owner (nothing to isolate). */
    ownsResources?: boolean;
  }

  const operations: Operation[] = [
    { name: 'me', allowed: ROLES, ownsResources: false, run: (t) => stack.client.query(t, '{ me { accountId role } }') },
    { name: 'agents', allowed: READERS, ownsResources: false, run: (t) => stack.client.query(t, '{ agents { id } }') },
    {
      name: 'attachmentLimits',
      allowed: ROLES,
      ownsResources: false,
      run: (t) => stack.client.query(t, '{ attachmentLimits { maxFileBytes } }'),
    },
    { name: 'actions', allowed: READERS, run: (t, o) => stack.client.query(t, ACTIONS, { agentId: o.agentId }) },
    {
      name: 'action',
      allowed: READERS,
      run: async (t, o) => stack.client.query(t, 'query($id: ID!) { action(id: $id) { id } }', { id: await freshAction(o) }),
    },
    { name: 'actionCatalog', allowed: READERS, run: (t, o) => stack.client.query(t, CATALOG, { agentId: o.agentId }) },
    {
      name: 'uploadAttachment',
      allowed: BUILDERS,
      ownsResources: false,
      run: (t) => stack.client.upload(t, UPLOAD, { file: null }, [{ path: 'variables.file', file: { name: 'x.pdf', content: FILES.pdf(246) } }]),
    },
    {
      name: 'saveSendAttachmentAction (create)',
      allowed: BUILDERS,
      run: (t, o) =>
        stack.client.upload(
          t,
          SAVE,
          { input: { agentId: o.agentId, name: 'n', trigger: 't', contentMode: 'AI', attachmentIds: [] }, files: [null] },
          [{ path: 'variables.files.0', file: { name: 'y.pdf', content: FILES.pdf(468) } }],
        ),
    },
    {
      name: 'saveSendAttachmentAction (update)',
      allowed: BUILDERS,
      run: async (t, o) => {
        const id = await freshAction(o);
        return stack.client.query(t, SAVE, {
          input: { id, agentId: o.agentId, name: 'changed', trigger: 't', contentMode: 'AI', attachmentIds: [] },
        });
      },
    },
    {
      name: 'setActionEnabled',
      allowed: BUILDERS,
      run: async (t, o) => stack.client.query(t, SET_ENABLED, { id: await freshAction(o), enabled: false }),
    },
    { name: 'deleteAction', allowed: BUILDERS, run: async (t, o) => stack.client.query(t, DELETE, { id: await freshAction(o) }) },
    { name: 'trainAgent', allowed: BUILDERS, run: (t, o) => stack.client.query(t, TRAIN, { agentId: o.agentId }) },
    {
      name: 'agentTools',
      allowed: [...READERS, 'AI_SERVICE'],
      run: (t, o) => stack.client.query(t, TOOLS, { agentId: o.agentId }),
    },
    {
      name: 'apiTokens',
      allowed: ['ADMIN'],
      ownsResources: false,
      run: (t) => stack.client.query(t, '{ apiTokens { id role } }'),
    },
    {
      name: 'revokeApiToken',
      allowed: ['ADMIN'],
      run: async (t, o) => {
        // A fresh token of the owner each time, so no run revokes a token the matrix uses.
        const token = await stack.server.services.accounts.createToken(o.accountId, 'VIEWER' as never);
        const [row] = await stack.sql`select id from api_tokens where token_hash = encode(sha256(${token}::bytea), 'hex')`;
        return stack.client.query(t, 'mutation($id: ID!) { revokeApiToken(id: $id) { id } }', { id: row!.id });
      },
    },
    {
      name: 'setFeatureFlag',
      allowed: ['OPS'],
      ownsResources: false,
      run: (t, o) =>
        stack.client.query(t, 'mutation($a: ID!) { setFeatureFlag(accountId: $a, flag: "ai_agent_send_attachment_action", enabled: true) }', {
          a: o.accountId,
        }),
    },
    {
      name: 'setChatServiceSettings',
      allowed: ['OPS'],
      ownsResources: false,
      run: (t, o) =>
        stack.client.query(t, 'mutation($a: ID!) { setChatServiceSettings(accountId: $a, organizationId: "org-1") { tokenSet } }', {
          a: o.accountId,
        }),
    },
  ];

  const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code;

  describe.each(operations)('$name', (op) => {
    it.each(ROLES)('with role %s', async (role) => {
      const res = await op.run(acme.tokens[role], acme);
      if (op.allowed.includes(role)) {
        // The save-update case re-sends no files, which is refused as input, not for the role.
        if (op.name === 'saveSendAttachmentAction (update)') expect(codeOf(res)).toBe('BAD_USER_INPUT');
        else expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      } else {
        expect(codeOf(res)).toBe('FORBIDDEN');
      }
    });

    it('without a token: UNAUTHENTICATED', async () => {
      const res = await op.run(null, acme);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    });

    if (op.ownsResources !== false) {
      it("with another account's builder token: NOT_FOUND, and nothing changes", async () => {
        const before = await stack.sql`select id, name, enabled, version, deleted_at from actions where account_id = ${acme.accountId} order by id`;
        const trainings = await stack.sql`select count(*)::int as n from agent_toolsets where account_id = ${acme.accountId}`;
        const reader = op.allowed.includes('ADMIN') ? globex.tokens.ADMIN : globex.tokens.AI_SERVICE;
        // freshAction runs as the owner; the operation itself runs as globex.
        const res = await op.run(reader, acme);
        expect(codeOf(res)).toBe('NOT_FOUND');
        const after = await stack.sql`select id, name, enabled, version, deleted_at from actions where account_id = ${acme.accountId} order by id`;
        // Only the fixture action (created by the owner) may be new; no existing row changed.
        expect(after.filter((r) => before.some((b) => b.id === r.id))).toEqual(before);
        const trainingsAfter = await stack.sql`select count(*)::int as n from agent_toolsets where account_id = ${acme.accountId}`;
        expect(trainingsAfter[0]!.n).toBe(trainings[0]!.n);
      });
    }
  });

  it('words refusals for a person: the role and what it takes, no permission codes or ids', async () => {
    const flag = await stack.client.query(
      acme.tokens.ADMIN,
      'mutation($a: ID!) { setFeatureFlag(accountId: $a, flag: "ai_agent_send_attachment_action", enabled: false) }',
      { a: acme.accountId },
    );
    expect(flag.errors?.[0]?.message).toBe('An Admin token cannot turn Send Attachment on or off for an account: that takes an OPS token.');
    const train = await stack.client.query(acme.tokens.VIEWER, TRAIN, { agentId: acme.agentId });
    expect(train.errors?.[0]?.message).toBe(
      'A Viewer token cannot add, change, enable, delete or train actions: that takes an Admin or Bot manager token.',
    );
    const missing = '6c614fe7-0000-4000-8000-000000000000';
    const res = await stack.client.query(acme.tokens.ADMIN, SET_ENABLED, { id: missing, enabled: true });
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(res.errors?.[0]?.message).toBe('This action was not found. It may have been deleted, or belong to another account.');
  });

  it("never lists another account's agents or actions", async () => {
    const mine = await stack.client.query(globex.tokens.ADMIN, '{ agents { id } }');
    expect(mine.data.agents.map((a: { id: string }) => a.id)).toEqual([globex.agentId]);
  });

  it('lets OPS change the flag of any account, and the change takes effect', async () => {
    const target = await stack.createAccount({ flag: false });
    const res = await stack.client.query(
      acme.tokens.OPS,
      'mutation($a: ID!) { setFeatureFlag(accountId: $a, flag: "ai_agent_send_attachment_action", enabled: true) }',
      { a: target.accountId },
    );
    expect(res.data.setFeatureFlag).toBe(true);
    const me = await stack.client.query(target.tokens.ADMIN, '{ me { featureFlags } }');
    expect(me.data.me.featureFlags).toContain('ai_agent_send_attachment_action');
  });

  it('refuses an unknown flag name with BAD_USER_INPUT', async () => {
    const res = await stack.client.query(
      acme.tokens.OPS,
      'mutation($a: ID!) { setFeatureFlag(accountId: $a, flag: "everything", enabled: true) }',
      { a: acme.accountId },
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'flag' });
  });

  it('reports the role and its permissions in me', async () => {
    const res = await stack.client.query(acme.tokens.VIEWER, '{ me { accountId role permissions featureFlags } }');
    expect(res.data.me).toEqual({
      accountId: acme.accountId,
      role: 'VIEWER',
      permissions: ['CONFIG_READ', 'TOOLS_READ', 'HISTORY_READ', 'SENDS_READ'],
      featureFlags: ['ai_agent_send_attachment_action'],
    });
  });
});
