import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { addRoom, invoke, waitFor } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';
import { createEndpoint, deliveriesOf } from '../support/webhook-receiver.js';
import { record } from './support/ledger.js';
import { createTrainedAction } from '../support/factories.js';

/**
 * A webhook receiver that fails and recovers: while it is down it answers 503, resets the
 * connection, or answers too late; then it answers 200. Every event must arrive (at least
 * once), each event always under one webhook-id (so a receiver that deduplicates by id sees
 * it exactly once), and every delivery must end DELIVERED.
 */
describe('reliability: a webhook receiver that fails and recovers', () => {
  let stack: TestStack;
  let account: TestAccount;
  let server: http.Server;
  let port = 0;
  let down = true;
  let faults = 0;
  let requests = 0;
  let lost = 0;
  const received: { id: string; body: string; headers: Record<string, string> }[] = [];
  const FAULTS = ['503', 'reset', 'late'] as const;

  beforeAll(async () => {
    stack = await startTestStack({
      WEBHOOK_ALLOW_HTTP: 'on',
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on',
      WEBHOOK_RETRY_DELAY_SECONDS: '1',
      WEBHOOK_MAX_RETRY_DELAY_SECONDS: '2',
      WEBHOOK_MAX_ATTEMPTS: '20',
      WEBHOOK_TIMEOUT_MS: '400',
      WEBHOOK_RELAY_POLL_MS: '100',
      WORKER_POLL_MS: '100',
    });
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (down) {
          const fault = FAULTS[faults++ % FAULTS.length];
          if (fault === 'reset') return req.socket.destroy();
          if (fault === 'late') return void setTimeout(() => res.end('too late'), 1000);
          res.statusCode = 503;
          return res.end('down for maintenance');
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        received.push({ id: headers['webhook-id'] ?? '', body: Buffer.concat(chunks).toString('utf8'), headers });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    account = await stack.createAccount();
  });
  afterAll(async () => {
    record({ test: 'webhook receiver fails and recovers', faults, requests, lost });
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    await stack?.stop();
  });

  it('delivers every event once it recovers, each under one webhook-id', async () => {
    const { secret, endpoint } = await createEndpoint(stack, account, `http://127.0.0.1:${port}/hooks`);
    const action = await createTrainedAction(stack, account, { files: [{ name: 'doc.pdf', content: FILES.pdf(1500) }] });
    const whatsapp = await addRoom(stack, account, 'whatsapp');
    const instagram = await addRoom(stack, account, 'instagram');
    const sendIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      requests++;
      // Half are sent by the worker, half refused by invoke's guard (channel_unsupported).
      const receipt = await invoke(stack, account, { actionId: action.id, conversationId: i % 2 ? instagram : whatsapp, idempotencyKey: `r-${i}` });
      sendIds.push(receipt.sendId!);
    }
    // Down until every event has had at least two failed attempts' worth of faults.
    await waitFor(() => (faults >= 30 ? true : undefined), { timeoutMs: 60_000, what: 'the receiver to refuse 30 attempts' });
    down = false;

    const events = await waitFor(
      async () => {
        const rows = await stack.sql<{ id: string; name: string; send_id: string }[]>`
          select id::text, name, properties->>'send_id' as send_id from events
          where account_id = ${account.accountId} and name in ('ai_agent_attachment_sent', 'ai_agent_attachment_send_failed')`;
        return rows.length === sendIds.length ? rows : undefined;
      },
      { timeoutMs: 60_000, what: 'every send to end' },
    );
    const deliveries = await waitFor(
      async () => {
        const list = await deliveriesOf(stack, account, endpoint.id);
        return list.length === events.length && list.every((d) => d.status === 'DELIVERED') ? list : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'every delivery to end DELIVERED' },
    );

    const idsByEvent = new Map<string, Set<string>>();
    for (const hit of received) {
      const payload = new Webhook(secret).verify(hit.body, hit.headers) as { type: string; data: { send_id: string } };
      const key = `${payload.type}:${payload.data.send_id}`;
      if (!idsByEvent.has(key)) idsByEvent.set(key, new Set());
      idsByEvent.get(key)!.add(hit.id);
    }
    const expected = events.map((e) => `${e.name}:${e.send_id}`).sort();
    const missing = expected.filter((k) => !idsByEvent.has(k));
    const twoIds = [...idsByEvent.values()].filter((ids) => ids.size !== 1);
    lost += missing.length + twoIds.length;
    expect(missing).toEqual([]);
    expect(twoIds).toEqual([]);
    expect([...idsByEvent.keys()].sort()).toEqual(expected);
    expect(new Set(deliveries.map((d) => d.webhookId))).toEqual(new Set(received.map((r) => r.id)));
    expect(deliveries.some((d) => d.attempts > 1)).toBe(true);
  });
});
