import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../server/src/infra/config/config.js';
import { waitFor } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const run = promisify(execFile);
const TOKENS = '{ apiTokens { id role createdAt expiresAt revokedAt lastUsedAt current } }';
const REVOKE = 'mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt current } }';
const ME = '{ me { role } }';
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

describe('API tokens: list, revoke, expire', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.stop());

  /** `pnpm ops …` against this stack's database: stdout, stderr and exit code. */
  async function ops(...args: string[]) {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'server/src/cli/ops.ts', ...args], {
        cwd: REPOSITORY_ROOT,
        env: { ...process.env, DATABASE_URL: stack.databaseUrl, DATA_DIR: stack.dataDir, LOG_LEVEL: 'error' },
      });
      return { stdout: stdout.trim(), stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout.trim(), stderr: e.stderr, code: e.code };
    }
  }

  const idOf = async (account: TestAccount, role: string) =>
    (await stack.sql`select id from api_tokens where account_id = ${account.accountId} and role = ${role}`)[0]!.id as string;

  it("shows an ADMIN the account's tokens, never a secret, marking the caller's own; no other role may look", async () => {
    const acme = await stack.createAccount();
    const res = await stack.client.query(acme.tokens.ADMIN, TOKENS);
    expect(res.errors).toBeUndefined();
    const tokens = res.data.apiTokens as { role: string; current: boolean; revokedAt: string | null }[];
    expect(tokens.map((t) => t.role).sort()).toEqual(['ADMIN', 'AGENT', 'AI_SERVICE', 'BOT_MANAGER', 'OPS', 'VIEWER']);
    expect(tokens.filter((t) => t.current).map((t) => t.role)).toEqual(['ADMIN']);
    expect(JSON.stringify(res.data)).not.toMatch(/sat_/);
    for (const role of ['BOT_MANAGER', 'AGENT', 'VIEWER', 'AI_SERVICE', 'OPS'] as const) {
      expect(codeOf(await stack.client.query(acme.tokens[role], TOKENS)), role).toBe('FORBIDDEN');
    }
    expect(codeOf(await stack.client.query(null, TOKENS))).toBe('UNAUTHENTICATED');
  });

  it('refuses a revoked token at once, and keeps it in the list as revoked', async () => {
    const acme = await stack.createAccount();
    // Used once, so it is cached in this process.
    expect((await stack.client.query(acme.tokens.VIEWER, ME)).errors).toBeUndefined();
    const res = await stack.client.query(acme.tokens.ADMIN, REVOKE, { id: await idOf(acme, 'VIEWER') });
    expect(res.errors).toBeUndefined();
    expect(res.data.revokeApiToken).toMatchObject({ current: false, revokedAt: expect.any(String) });
    // The NOTIFY is asynchronous; the cache would otherwise serve the token for 30 s.
    await waitFor(async () => (codeOf(await stack.client.query(acme.tokens.VIEWER, ME)) === 'UNAUTHENTICATED' ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the revoked token to be refused',
    });
    const listed = (await stack.client.query(acme.tokens.ADMIN, TOKENS)).data.apiTokens as { role: string; revokedAt: string | null }[];
    expect(listed.find((t) => t.role === 'VIEWER')!.revokedAt).not.toBeNull();
    expect(listed.filter((t) => t.role !== 'VIEWER').every((t) => t.revokedAt === null)).toBe(true);
  });

  it("answers NOT_FOUND for another account's token, and revokes nothing", async () => {
    const acme = await stack.createAccount();
    const globex = await stack.createAccount();
    const res = await stack.client.query(globex.tokens.ADMIN, REVOKE, { id: await idOf(acme, 'VIEWER') });
    expect(codeOf(res)).toBe('NOT_FOUND');
    expect(codeOf(await stack.client.query(globex.tokens.ADMIN, REVOKE, { id: 'not-a-uuid' }))).toBe('NOT_FOUND');
    expect((await stack.client.query(acme.tokens.VIEWER, ME)).errors).toBeUndefined();
  });

  it('forgets a token whose row is deleted by hand (the trigger notifies every process)', async () => {
    const acme = await stack.createAccount();
    expect((await stack.client.query(acme.tokens.AGENT, ME)).errors).toBeUndefined();
    await stack.sql`delete from api_tokens where id = ${await idOf(acme, 'AGENT')}`;
    await waitFor(async () => (codeOf(await stack.client.query(acme.tokens.AGENT, ME)) === 'UNAUTHENTICATED' ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the deleted token to be refused',
    });
  });

  it('refuses a token once it expires, also while this process has it cached', async () => {
    const acme = await stack.createAccount();
    const token = await stack.server.services.accounts.createToken(acme.accountId, 'VIEWER' as never, { expiresInSeconds: 2 });
    expect((await stack.client.query(token, ME)).errors).toBeUndefined();
    // Nothing changes in the database: the cached entry itself knows its expiry.
    await waitFor(async () => (codeOf(await stack.client.query(token, ME)) === 'UNAUTHENTICATED' ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: 'the expired token to be refused',
    });
  });

  it('records when a token was last used', async () => {
    const acme = await stack.createAccount();
    const id = await idOf(acme, 'BOT_MANAGER');
    expect((await stack.sql`select last_used_at from api_tokens where id = ${id}`)[0]!.last_used_at).toBeNull();
    await stack.client.query(acme.tokens.BOT_MANAGER, ME);
    await waitFor(async () => (await stack.sql`select last_used_at from api_tokens where id = ${id}`)[0]!.last_used_at ?? undefined, {
      what: 'last_used_at',
    });
  });

  describe('pnpm ops', () => {
    it('token:create --expires-in, token:list (never the secret) and token:revoke', async () => {
      const acme = await stack.createAccount();
      const created = await ops('token:create', '--account', acme.accountId, '--role', 'viewer', '--expires-in', '90d');
      expect(created.code).toBe(0);
      const token = created.stdout;
      expect(token).toMatch(/^sat_[A-Za-z0-9_-]{43}$/);
      expect((await stack.client.query(token, ME)).data.me.role).toBe('VIEWER');

      const listed = await ops('token:list', '--account', acme.accountId);
      expect(listed.code).toBe(0);
      const lines = listed.stdout.split('\n');
      expect(lines[0]).toBe('id\trole\tcreated\tlast_used\texpires\trevoked');
      expect(lines).toHaveLength(1 + 7);
      expect(listed.stdout).not.toContain('sat_');
      const row = lines.slice(1).find((l) => l.split('\t')[4] !== '-')!.split('\t');
      expect(row[1]).toBe('VIEWER');
      const days = (new Date(row[4]!).getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(89.9);
      expect(days).toBeLessThan(90.1);

      const revoked = await ops('token:revoke', row[0]!);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toMatch(new RegExp(`^revoked ${row[0]} at `));
      // Another process revoked it: this server hears of it through the NOTIFY.
      await waitFor(async () => (codeOf(await stack.client.query(token, ME)) === 'UNAUTHENTICATED' ? true : undefined), {
        timeoutMs: 10_000,
        what: 'the token revoked by the CLI to be refused',
      });
    });

    it('explains a bad --expires-in and an unknown token id', async () => {
      const acme = await stack.createAccount();
      const bad = await ops('token:create', '--account', acme.accountId, '--role', 'VIEWER', '--expires-in', 'forever');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/expires-in must be like 30m, 12h or 90d/);
      const unknown = await ops('token:revoke', crypto.randomUUID());
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/was not found/);
    });
  });
});
