import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestAccount, TestStack } from './stack.js';
import { waitFor } from './sends.js';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The status this request was answered with. */
  answeredWith: number;
}

/**
 * A real HTTP server on 127.0.0.1 that records every request. `answers` are the statuses of
 * the next requests, in order (a 3xx answer carries `Location: <redirectTo>`); after them it
 * answers 200.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private answers: number[] = [];
  redirectTo = '/redirected';
  private server: http.Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.answers.shift() ?? 200;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        this.received.push({ path: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8'), answeredWith: status });
        if (status >= 300 && status < 400) res.setHeader('location', this.redirectTo);
        res.statusCode = status;
        res.end(status >= 400 ? `failing on purpose with ${status}` : 'ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  answerNext(...statuses: number[]): void {
    this.answers.push(...statuses);
  }

  on(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

export const ENDPOINT_FIELDS = 'id url events enabled createdAt updatedAt';
export const DELIVERY_FIELDS = 'id webhookId eventId eventName status attempts lastStatus lastErrorCode lastError responseExcerpt nextAttemptAt deliveredAt createdAt';

export async function createEndpoint(stack: TestStack, account: TestAccount, url: string, events = ['ai_agent_attachment_sent', 'ai_agent_attachment_send_failed']) {
  const res = await stack.client.query(
    account.tokens.ADMIN,
    `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { ${ENDPOINT_FIELDS} } } }`,
    { i: { url, events } },
  );
  if (res.errors) throw new Error(`createWebhookEndpoint: ${JSON.stringify(res.errors)}`);
  return res.data.createWebhookEndpoint as { secret: string; endpoint: { id: string; url: string; events: string[]; enabled: boolean } };
}

export async function deliveriesOf(stack: TestStack, account: TestAccount, endpointId: string, first = 100) {
  const res = await stack.client.query(
    account.tokens.ADMIN,
    `query($e: ID!, $f: Int) { webhookDeliveries(endpointId: $e, first: $f) { nodes { ${DELIVERY_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
    { e: endpointId, f: first },
  );
  if (res.errors) throw new Error(`webhookDeliveries: ${JSON.stringify(res.errors)}`);
  return res.data.webhookDeliveries.nodes as {
    id: string;
    webhookId: string;
    eventId: string;
    eventName: string;
    status: string;
    attempts: number;
    lastStatus: number | null;
    lastErrorCode: string | null;
    lastError: string | null;
    nextAttemptAt: string | null;
    deliveredAt: string | null;
  }[];
}

/** Waits until `probe` over the endpoint's deliveries holds. */
export function waitForDeliveries<T>(
  stack: TestStack,
  account: TestAccount,
  endpointId: string,
  probe: (deliveries: Awaited<ReturnType<typeof deliveriesOf>>) => T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  return waitFor(async () => probe(await deliveriesOf(stack, account, endpointId)), { timeoutMs, intervalMs: 100, what });
}
