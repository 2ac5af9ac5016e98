import crypto from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainedAction, INVOKE, smallPdf, startServerProcess, type ServerProcess } from '../../bench/lib.js';
import { waitFor } from '../support/sends.js';

/**
 * The server's own log, captured from its process, while a database failure makes an invoke
 * fail inside Postgres with the caller's caption among the SQL parameters: the log must say
 * what failed and where (request id, SQL text, constraint) and nothing the caller sent.
 */
describe('logs', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess({ LOG_LEVEL: 'debug' }, { captureLog: true });
  });
  afterAll(() => server?.stop());

  it('never carry captions, idempotency keys, tokens or SQL parameters, even for an internal error', async () => {
    const actionId = await createTrainedAction(server, [{ name: 'log.pdf', content: smallPdf(1200) }]);
    const marker = `MARKER${crypto.randomBytes(6).toString('hex')}`;
    const sql = postgres(server.databaseUrl, { max: 1, onnotice: () => {} });
    // A real failure inside Postgres, on the insert that carries the caption.
    await sql.unsafe(`alter table sends add constraint log_hygiene check (caption is null or caption not like '%MARKER%')`);
    await sql.end();

    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.tokens.AI_SERVICE}` },
      body: JSON.stringify({
        query: INVOKE,
        variables: { input: { actionId, conversationId: server.rooms.whatsapp, caption: `${marker} caption`, idempotencyKey: `${marker}-key` } },
      }),
    });
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    const requestId = res.headers.get('x-request-id')!;

    const line = await waitFor(
      () => server.log().split('\n').find((l) => l.includes('graphql.internal_error') && l.includes(requestId)),
      { what: 'the internal error in the log' },
    );
    const entry = JSON.parse(line) as { error: { name: string; query: string; cause: { code: string; constraint: string } } };
    expect(entry.error.name).toBe('DrizzleQueryError');
    expect(entry.error.query).toMatch(/insert into sends \(/);
    expect(entry.error.cause).toMatchObject({ code: '23514', constraint: 'log_hygiene' });

    const log = server.log();
    expect(log).not.toContain(marker);
    expect(log).not.toMatch(/params:/);
    for (const token of Object.values(server.tokens)) expect(log).not.toContain(token);
  });
});
