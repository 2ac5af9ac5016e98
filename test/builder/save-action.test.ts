import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { ACTIONS, saveAction, uploadFile } from '../support/operations.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

describe('saveSendAttachmentAction', () => {
  let stack: TestStack;
  let acme: TestAccount;
  const admin = () => acme.tokens.ADMIN;

  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.createAccount();
  });
  afterAll(() => stack?.stop());

  const stage = async (name = 'price-list.pdf', content = FILES.pdf()) => {
    const res = await uploadFile(stack.client, admin(), { name, content });
    expect(res.errors).toBeUndefined();
    return res.data!.uploadAttachment.id as string;
  };
  const count = async (table: 'actions' | 'attachments' | 'events') =>
    (await stack.sql.unsafe(`select count(*)::int as n from ${table} where account_id = $1`, [acme.accountId]))[0]!
      .n as number;

  it('creates an action from a staged upload and lists it on the agent (S01 AC-2)', async () => {
    const staged = await stage();
    const res = await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: [staged] });
    expect(res.errors).toBeUndefined();
    const action = res.data!.saveSendAttachmentAction;
    expect(action).toMatchObject({
      agentId: acme.agentId,
      type: 'QONTAK_SEND_ATTACHMENT',
      name: 'Price list',
      contentMode: 'AI',
      contentMessage: null,
      enabled: true,
      version: 1,
      usage: { sent: 0, failed: 0, lastSentAt: null },
    });
    expect(action.toolName).toMatch(/^qontak_send_attachment[a-zA-Z0-9_-]*$/);
    expect(action.toolName.length).toBeLessThanOrEqual(64);
    expect(action.attachments.map((a: { id: string }) => a.id)).toEqual([staged]);

    const list = await stack.client.query(admin(), ACTIONS, { agentId: acme.agentId });
    expect(list.data!.actions.map((a: { id: string }) => a.id)).toContain(action.id);
  });

  it('takes files inline in the same multipart request, in order after the kept ones', async () => {
    const staged = await stage('a.pdf', FILES.pdf(3000));
    const res = await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: [staged] }, [
      { name: 'b.png', content: FILES.png(3001) },
      { name: 'c.mp4', content: FILES.mp4(3002) },
    ]);
    expect(res.errors).toBeUndefined();
    expect(res.data!.saveSendAttachmentAction.attachments.map((a: { fileName: string }) => a.fileName)).toEqual([
      'a.pdf',
      'b.png',
      'c.mp4',
    ]);
  });

  it('needs no caption in "Let AI fill" mode and ignores one sent anyway (S01 AC-3)', async () => {
    const res = await saveAction(stack.client, admin(), {
      agentId: acme.agentId,
      contentMode: 'AI',
      contentMessage: 'ignored',
      attachmentIds: [await stage()],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.saveSendAttachmentAction.contentMessage).toBeNull();
  });

  it('stores the exact manual caption (S01 AC-4)', async () => {
    const caption = '  Here is our price list 📎\nValid until 31 Dec.  ';
    const res = await saveAction(stack.client, admin(), {
      agentId: acme.agentId,
      contentMode: 'MANUAL',
      contentMessage: caption,
      attachmentIds: [await stage()],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.saveSendAttachmentAction.contentMessage).toBe(caption);
  });

  it('records ai_agent_send_attachment_action_created once, with its properties', async () => {
    const res = await saveAction(stack.client, admin(), {
      agentId: acme.agentId,
      contentMode: 'MANUAL',
      contentMessage: 'Brochure attached',
      attachmentIds: [await stage()],
    }, [{ name: 'second.pdf', content: FILES.pdf(999) }]);
    const actionId = res.data!.saveSendAttachmentAction.id;
    const rows = await stack.sql`select name, properties from events where properties->>'action_id' = ${actionId}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe('ai_agent_send_attachment_action_created');
    expect(rows[0]!.properties).toMatchObject({
      account_id: acme.accountId,
      agent_id: acme.agentId,
      action_id: actionId,
      file_count: 2,
      content_message_mode: 'manual',
    });
    expect(new Date(rows[0]!.properties.timestamp).getTime()).not.toBeNaN();

    // An update is not a creation.
    await saveAction(stack.client, admin(), {
      id: actionId,
      agentId: acme.agentId,
      name: 'Renamed',
      attachmentIds: res.data!.saveSendAttachmentAction.attachments.map((a: { id: string }) => a.id),
    });
    const after = await stack.sql`select count(*)::int as n from events where properties->>'action_id' = ${actionId}`;
    expect(after[0]!.n).toBe(1);
  });

  describe('updates', () => {
    it('bumps the version, keeps listed files and removes the others with their stored bytes', async () => {
      const keep = await stage('keep.pdf', FILES.pdf(4100));
      const drop = await stage('drop.pdf', FILES.pdf(4200));
      const created = (await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: [keep, drop] }))
        .data!.saveSendAttachmentAction;
      const blobs = (await stack.storedFiles()).length;
      const res = await saveAction(stack.client, admin(), {
        id: created.id,
        agentId: acme.agentId,
        name: 'Updated name',
        attachmentIds: [keep],
        expectedVersion: created.version,
      });
      expect(res.errors).toBeUndefined();
      expect(res.data!.saveSendAttachmentAction).toMatchObject({ name: 'Updated name', version: created.version + 1 });
      expect(res.data!.saveSendAttachmentAction.attachments.map((a: { id: string }) => a.id)).toEqual([keep]);
      expect((await stack.storedFiles()).length).toBe(blobs - 1);
    });

    it('refuses a stale expectedVersion with CONFLICT and changes nothing (two builders at once)', async () => {
      const ids = [await stage()];
      const created = (await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: ids })).data!
        .saveSendAttachmentAction;
      const first = await saveAction(stack.client, admin(), {
        id: created.id, agentId: acme.agentId, name: 'Builder A', attachmentIds: ids, expectedVersion: 1,
      });
      expect(first.errors).toBeUndefined();
      const second = await saveAction(stack.client, acme.tokens.BOT_MANAGER, {
        id: created.id, agentId: acme.agentId, name: 'Builder B', attachmentIds: ids, expectedVersion: 1,
      });
      expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(second.errors?.[0]?.message).toMatch(/someone else saved/i);
      const [row] = await stack.sql`select name, version from actions where id = ${created.id}`;
      expect(row).toMatchObject({ name: 'Builder A', version: 2 });
    });

    it('lets exactly one of two concurrent saves of the same version win', async () => {
      const ids = [await stage()];
      const created = (await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: ids })).data!
        .saveSendAttachmentAction;
      const results = await Promise.all(
        ['A', 'B', 'C', 'D'].map((who) =>
          saveAction(stack.client, admin(), {
            id: created.id, agentId: acme.agentId, name: who, attachmentIds: ids, expectedVersion: 1,
          }),
        ),
      );
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(3);
    });
  });

  describe('refuses bad input with a reason and writes nothing', () => {
    const cases: { label: string; input: Record<string, unknown>; field: string; reason: string; message?: RegExp }[] = [
      { label: 'no files (ERR-1)', input: { attachmentIds: [] }, field: 'attachmentIds', reason: 'ATTACHMENT_REQUIRED', message: /^Please add at least one attachment\.$/ },
      { label: 'a missing trigger (ERR-3)', input: { trigger: '' }, field: 'trigger', reason: 'TRIGGER_REQUIRED' },
      { label: 'a blank trigger', input: { trigger: '   \n ' }, field: 'trigger', reason: 'TRIGGER_REQUIRED' },
      { label: 'a 10,000-character trigger', input: { trigger: 'x'.repeat(10_000) }, field: 'trigger', reason: 'TOO_LONG' },
      { label: 'a 1,025-character trigger', input: { trigger: 'x'.repeat(1025) }, field: 'trigger', reason: 'TOO_LONG' },
      { label: 'an empty manual caption', input: { contentMode: 'MANUAL', contentMessage: '' }, field: 'contentMessage', reason: 'CAPTION_REQUIRED' },
      { label: 'a missing manual caption', input: { contentMode: 'MANUAL', contentMessage: null }, field: 'contentMessage', reason: 'CAPTION_REQUIRED' },
      { label: 'a 1,025-character manual caption', input: { contentMode: 'MANUAL', contentMessage: 'c'.repeat(1025) }, field: 'contentMessage', reason: 'TOO_LONG' },
      { label: 'an empty name', input: { name: ' ' }, field: 'name', reason: 'NAME_REQUIRED' },
      { label: 'a 101-character name', input: { name: 'n'.repeat(101) }, field: 'name', reason: 'TOO_LONG' },
      { label: 'an unknown attachment id', input: { attachmentIds: ['00000000-0000-4000-8000-000000000000'] }, field: 'attachmentIds.0', reason: 'UNKNOWN_ATTACHMENT' },
      { label: 'an attachment id that is not a UUID', input: { attachmentIds: ["1' or '1'='1"] }, field: 'attachmentIds.0', reason: 'UNKNOWN_ATTACHMENT' },
    ];
    it.each(cases)('$label', async ({ input, field, reason, message }) => {
      const before = { actions: await count('actions'), events: await count('events') };
      const attachmentIds = 'attachmentIds' in input ? input.attachmentIds : [await stage()];
      const res = await saveAction(stack.client, admin(), { agentId: acme.agentId, ...input, attachmentIds } as never);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
      if (message) expect(res.errors?.[0]?.message).toMatch(message);
      expect(await count('actions')).toBe(before.actions);
      expect(await count('events')).toBe(before.events);
    });

    it('names every refused field at once in extensions.fieldErrors, the first also as field and reason', async () => {
      const before = await count('actions');
      const res = await saveAction(stack.client, admin(), {
        agentId: acme.agentId,
        name: 'n'.repeat(1100),
        trigger: '  ',
        contentMode: 'MANUAL',
        contentMessage: '',
        attachmentIds: [],
      } as never);
      const extensions = res.errors?.[0]?.extensions;
      expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name', reason: 'TOO_LONG' });
      expect(res.errors?.[0]?.message).toBe('Action name must be at most 100 characters (it has 1,100).');
      expect(extensions?.fieldErrors).toEqual([
        { field: 'name', reason: 'TOO_LONG', message: 'Action name must be at most 100 characters (it has 1,100).' },
        { field: 'trigger', reason: 'TRIGGER_REQUIRED', message: 'When and how to trigger this action is required.' },
        { field: 'contentMessage', reason: 'CAPTION_REQUIRED', message: 'A manual content message is required.' },
        { field: 'attachmentIds', reason: 'ATTACHMENT_REQUIRED', message: 'Please add at least one attachment.' },
      ]);
      expect(await count('actions')).toBe(before);
    });

    it('lists an unknown attachment beside the field problems', async () => {
      const res = await saveAction(stack.client, admin(), {
        agentId: acme.agentId,
        trigger: '',
        attachmentIds: ['00000000-0000-4000-8000-000000000000'],
      } as never);
      expect((res.errors?.[0]?.extensions?.fieldErrors as { field: string; reason: string }[]).map((e) => [e.field, e.reason])).toEqual([
        ['trigger', 'TRIGGER_REQUIRED'],
        ['attachmentIds.0', 'UNKNOWN_ATTACHMENT'],
      ]);
    });

    it('an 11th file with TOO_MANY_FILES (staged ids)', async () => {
      const ids = [];
      for (let i = 0; i < 11; i++) ids.push(await stage(`f${i}.pdf`, FILES.pdf(1000 + i)));
      const before = await count('actions');
      const res = await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: ids });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_FILES' });
      expect(await count('actions')).toBe(before);
    });

    it('an 11th file with TOO_MANY_FILES (10 kept + 1 inline)', async () => {
      const ids = [];
      for (let i = 0; i < 10; i++) ids.push(await stage(`g${i}.pdf`, FILES.pdf(2000 + i)));
      const res = await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: ids }, [
        { name: 'eleventh.pdf', content: FILES.pdf(2100) },
      ]);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_FILES' });
    });

    it('11 inline files in one request with TOO_MANY_FILES', async () => {
      const files = Array.from({ length: 11 }, (_, i) => ({ name: `h${i}.pdf`, content: FILES.pdf(3000 + i) }));
      const res = await saveAction(stack.client, admin(), { agentId: acme.agentId }, files);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_FILES' });
    });

    it('a bad inline file: names the file, and leaves no action, attachment or stored bytes', async () => {
      const before = { actions: await count('actions'), attachments: await count('attachments'), blobs: (await stack.storedFiles()).length };
      const res = await saveAction(stack.client, admin(), { agentId: acme.agentId }, [
        { name: 'good.pdf', content: FILES.pdf(7777) },
        { name: 'evil.jpg', content: FILES.elf() },
      ]);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'files.1', reason: 'TYPE_MISMATCH' });
      expect(await count('actions')).toBe(before.actions);
      expect(await count('attachments')).toBe(before.attachments);
      expect((await stack.storedFiles()).length).toBe(before.blobs);
    });

    it("another account's staged attachment, as if it did not exist", async () => {
      const other = await stack.createAccount();
      const theirs = (await uploadFile(stack.client, other.tokens.ADMIN, { name: 'secret.pdf', content: FILES.pdf(4321) }))
        .data!.uploadAttachment.id;
      const res = await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: [theirs] });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNKNOWN_ATTACHMENT' });
      const [row] = await stack.sql`select action_id from attachments where id = ${theirs}`;
      expect(row!.action_id).toBeNull();
    });

    it("an attachment already pinned to another action", async () => {
      const id = await stage();
      const first = await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: [id] });
      expect(first.errors).toBeUndefined();
      const res = await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: [id] });
      expect(res.errors?.[0]?.extensions).toMatchObject({ reason: 'UNKNOWN_ATTACHMENT' });
    });
  });

  describe('access', () => {
    it('refuses a VIEWER and an AGENT with FORBIDDEN', async () => {
      for (const role of ['VIEWER', 'AGENT', 'AI_SERVICE', 'OPS'] as const) {
        const res = await saveAction(stack.client, acme.tokens[role], { agentId: acme.agentId, attachmentIds: [await stage()] });
        expect(res.errors?.[0]?.extensions?.code, role).toBe('FORBIDDEN');
      }
    });

    it('lets a BOT_MANAGER save', async () => {
      const res = await saveAction(stack.client, acme.tokens.BOT_MANAGER, { agentId: acme.agentId, attachmentIds: [await stage()] });
      expect(res.errors).toBeUndefined();
    });

    it('refuses with FEATURE_DISABLED while the flag is off', async () => {
      const off = await stack.createAccount({ flag: false });
      const res = await saveAction(stack.client, off.tokens.ADMIN, { agentId: off.agentId, attachmentIds: [] });
      expect(res.errors?.[0]?.extensions?.code).toBe('FEATURE_DISABLED');
    });

    it("answers NOT_FOUND for another account's agent or action", async () => {
      const other = await stack.createAccount();
      const onTheirAgent = await saveAction(stack.client, admin(), { agentId: other.agentId, attachmentIds: [await stage()] });
      expect(onTheirAgent.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const theirStaged = (await uploadFile(stack.client, other.tokens.ADMIN, { name: 'x.pdf', content: FILES.pdf(5151) })).data!
        .uploadAttachment.id;
      const theirAction = (await saveAction(stack.client, other.tokens.ADMIN, { agentId: other.agentId, attachmentIds: [theirStaged] }))
        .data!.saveSendAttachmentAction;
      const overwrite = await saveAction(stack.client, admin(), {
        id: theirAction.id, agentId: acme.agentId, name: 'hijack', attachmentIds: [await stage()],
      });
      expect(overwrite.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const [row] = await stack.sql`select name from actions where id = ${theirAction.id}`;
      expect(row!.name).toBe('Price list');
    });
  });
});
