import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../server/src/infra/db/embedded.js';
import { runMigrations } from '../../server/src/infra/db/db.js';
import { createLogger } from '../../server/src/infra/log/logger.js';
import { startQueue } from '../../server/src/infra/queue/queue.js';

export const TEMPLATE_DATABASE = 'sa_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

/**
 * Once per run and vitest project: a throwaway Postgres (embedded, or the server at
 * DATABASE_URL) and a template database with our migrations and pg-boss's schema. Each test
 * file clones the template; each project has its own, so projects sharing DATABASE_URL do not
 * drop each other's.
 */
export default async function setup(project: TestProject) {
  const template = project.name ? `${TEMPLATE_DATABASE}_${project.name.replace(/\W/g, '_')}` : TEMPLATE_DATABASE;
  const log = createLogger('error');
  let embedded: EmbeddedDatabase | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-test-pg-'));
    fs.chmodSync(dir, 0o755);
    embedded = await startEmbeddedPostgres(dir, log, { persistent: false, durable: false });
    adminUrl = embedded.url;
  }
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await sql.unsafe(`drop database if exists ${template} with (force)`);
  await sql.unsafe(`create database ${template}`);
  const templateUrl = withDatabase(adminUrl, template);
  await runMigrations(templateUrl);
  const boss = await startQueue(templateUrl, log, { schedule: false });
  await boss.stop({ graceful: false });
  await sql.end();

  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', template);

  return async () => {
    await embedded?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
