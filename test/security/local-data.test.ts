import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterPassword, startEmbeddedPostgres, type EmbeddedDatabase } from '../../server/src/infra/db/embedded.js';
import { createLogger } from '../../server/src/infra/log/logger.js';
import { PRIVATE_DIR_MODE } from '../../server/src/infra/private-files.js';
import { FILES } from '../support/files.js';
import { uploadFile } from '../support/operations.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const modeOf = (p: string) => fs.statSync(p).mode & 0o777;

async function canConnect(port: number, password: string): Promise<boolean> {
  const sql = postgres({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

describe('local data kept private', () => {
  const log = createLogger('silent');
  let root: string;
  const running: EmbeddedDatabase[] = [];

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-private-'));
    // As root, Postgres runs as the postgres user, who must pass through the test's own folder.
    fs.chmodSync(root, 0o711);
  });
  afterAll(async () => {
    for (const pg of running) await pg.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('gives each embedded cluster its own random password, in a 0600 file in a private directory', async () => {
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    const first = await startEmbeddedPostgres(a, log, { durable: false });
    running.push(first);
    const second = await startEmbeddedPostgres(b, log, { durable: false });
    running.push(second);

    const password = clusterPassword(a);
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(clusterPassword(b)).not.toBe(password);
    expect(modeOf(path.join(a, 'password'))).toBe(0o600);
    expect(modeOf(path.join(a, 'port'))).toBe(0o600);
    expect(modeOf(a)).toBe(PRIVATE_DIR_MODE);
    expect(modeOf(path.join(a, 'pg'))).toBe(0o700);

    const port = Number(new URL(first.url).port);
    expect(await canConnect(port, password)).toBe(true);
    expect(await canConnect(port, 'postgres')).toBe(false);
    expect(new URL(first.url).password).toBe(password);
  });

  it('moves a cluster made with the old fixed password "postgres" to a random one on its next start', async () => {
    const dir = path.join(root, 'legacy');
    let pg = await startEmbeddedPostgres(dir, log, { durable: false });
    const port = Number(new URL(pg.url).port);
    // What an older build left behind: password "postgres", no password file.
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    await sql.unsafe("alter role postgres password 'postgres'");
    await sql.end();
    await pg.stop();
    fs.rmSync(path.join(dir, 'password'));

    pg = await startEmbeddedPostgres(dir, log, { durable: false });
    running.push(pg);
    const password = clusterPassword(dir);
    expect(password).not.toBe('postgres');
    expect(modeOf(path.join(dir, 'password'))).toBe(0o600);
    expect(await canConnect(port, password)).toBe(true);
    expect(await canConnect(port, 'postgres')).toBe(false);
  });

  describe('stored files', () => {
    let stack: TestStack;
    beforeAll(async () => {
      // File modes are the local store's (a bucket has none).
      stack = await startTestStack({}, { storage: 'local' });
    });
    afterAll(() => stack?.stop());

    it('are readable by the server only (files 0600, directories private)', async () => {
      const account = await stack.createAccount();
      expect((await uploadFile(stack.client, account.tokens.ADMIN, { name: 'a.pdf', content: FILES.pdf(4321) })).errors).toBeUndefined();
      const files = (await stack.storedFiles()).map((key) => path.join(stack.dataDir, 'files', key));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        expect(modeOf(file), file).toBe(0o600);
        for (let dir = path.dirname(file); dir.startsWith(path.join(stack.dataDir, 'files')); dir = path.dirname(dir)) {
          expect(modeOf(dir), dir).toBe(PRIVATE_DIR_MODE);
        }
      }
    });
  });
});
