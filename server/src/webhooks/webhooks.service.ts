import crypto from 'node:crypto';
import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import { WEBHOOK_EVENTS } from '../events/events.js';
import type { WebhookSettings } from '../infra/config/config.js';
import { inTransaction, type Database } from '../infra/db/db.js';
import { AppError, ErrorCode, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import type { Queue } from '../infra/queue/queue.js';
import type { WakeNotifier } from '../infra/queue/wake-notifier.js';
import { enqueueWebhookAttempt } from './webhooks.delivery.js';
import { generateWebhookSecret } from './webhook-signature.js';
import type { WebhookSecrets } from './webhook-secrets.js';
import { WEBHOOK_LIMITS, webhookMessageId } from './webhooks.model.js';
import type { WebhookDeliveryRow, WebhookEndpointView, WebhooksRepository } from './webhooks.repository.js';
import { validateWebhookEvents, validateWebhookUrl } from './webhooks.validation.js';

export interface CreateEndpoint {
  url: string;
  events: string[];
  enabled?: boolean | null;
}

export interface UpdateEndpoint {
  url?: string | null;
  events?: string[] | null;
  enabled?: boolean | null;
}

const DEFAULT_PAGE = 20;

/** Managing an account's webhook endpoints (ADMIN), and reading their deliveries. Delivery itself: webhooks.delivery.ts. */
export class WebhooksService {
  constructor(
    private readonly database: Database,
    private readonly webhooks: WebhooksRepository,
    private readonly secrets: WebhookSecrets,
    private readonly settings: Pick<WebhookSettings, 'allowHttp' | 'allowPrivateAddresses' | 'retentionDays'>,
    private readonly queue: Queue,
    /** Wakes the webhook workers after a redelivery's job commits. */
    private readonly notifier: WakeNotifier,
  ) {}

  /** The events an endpoint may subscribe to: the same words for every account. */
  eventTypes(viewer: Viewer | null) {
    requirePermission(viewer, Permission.WEBHOOKS_MANAGE);
    return Object.entries(WEBHOOK_EVENTS).map(([name, description]) => ({ name, description: description! }));
  }

  async list(viewer: Viewer | null): Promise<WebhookEndpointView[]> {
    const me = requirePermission(viewer, Permission.WEBHOOKS_MANAGE);
    return this.webhooks.listEndpoints(me.accountId);
  }

  async create(viewer: Viewer | null, input: CreateEndpoint) {
    const me = requirePermission(viewer, Permission.WEBHOOKS_MANAGE);
    const url = validateWebhookUrl(input.url, this.settings);
    const events = validateWebhookEvents(input.events);
    const id = crypto.randomUUID();
    const secret = generateWebhookSecret();
    const endpoint = await inTransaction(this.database, async (db) => {
      const repo = this.webhooks.with(db);
      await repo.lockAccount(me.accountId);
      if ((await repo.countEndpoints(me.accountId)) >= WEBHOOK_LIMITS.maxEndpointsPerAccount) {
        throw AppError.badInput(
          'url',
          InputReason.TOO_MANY_ENDPOINTS,
          `This account has ${WEBHOOK_LIMITS.maxEndpointsPerAccount} webhook endpoints, the most it may have; delete one first.`,
        );
      }
      return repo.insertEndpoint({
        id,
        accountId: me.accountId,
        url,
        events,
        enabled: input.enabled ?? true,
        secretSealed: this.secrets.seal(me.accountId, id, secret),
      });
    });
    return { endpoint, secret };
  }

  async update(viewer: Viewer | null, id: string, input: UpdateEndpoint): Promise<WebhookEndpointView> {
    const me = requirePermission(viewer, Permission.WEBHOOKS_MANAGE);
    await this.requireEndpoint(me.accountId, id);
    const patch = {
      ...(input.url !== undefined && input.url !== null ? { url: validateWebhookUrl(input.url, this.settings) } : {}),
      ...(input.events !== undefined && input.events !== null ? { events: validateWebhookEvents(input.events) } : {}),
      ...(input.enabled !== undefined && input.enabled !== null ? { enabled: input.enabled } : {}),
    };
    const updated = await this.webhooks.updateEndpoint(me.accountId, id, patch);
    if (!updated) throw AppError.notFound('webhook endpoint');
    return updated;
  }

  async remove(viewer: Viewer | null, id: string): Promise<string> {
    const me = requirePermission(viewer, Permission.WEBHOOKS_MANAGE);
    if (!isUuid(id) || !(await this.webhooks.deleteEndpoint(me.accountId, id))) throw AppError.notFound('webhook endpoint');
    return id;
  }

  /** A new secret, at once: attempts from now on are signed with it (docs/webhooks.md, "Rotating"). */
  async rotateSecret(viewer: Viewer | null, id: string) {
    const me = requirePermission(viewer, Permission.WEBHOOKS_MANAGE);
    await this.requireEndpoint(me.accountId, id);
    const secret = generateWebhookSecret();
    const endpoint = await this.webhooks.updateEndpoint(me.accountId, id, { secretSealed: this.secrets.seal(me.accountId, id, secret) });
    if (!endpoint) throw AppError.notFound('webhook endpoint');
    return { endpoint, secret };
  }

  async deliveries(viewer: Viewer | null, endpointId: string, first: number | null, after: string | null) {
    const me = requirePermission(viewer, Permission.WEBHOOKS_MANAGE);
    await this.requireEndpoint(me.accountId, endpointId);
    const size = first ?? DEFAULT_PAGE;
    if (!Number.isInteger(size) || size < 1 || size > WEBHOOK_LIMITS.maxDeliveriesPage) {
      throw AppError.badInput('first', InputReason.INVALID_VALUE, `first must be from 1 to ${WEBHOOK_LIMITS.maxDeliveriesPage}.`);
    }
    const before = after === null || after === undefined ? null : decodeDeliveryCursor(after);
    const rows = await this.webhooks.listDeliveries(me.accountId, endpointId, size + 1, before);
    const page = rows.slice(0, size);
    return {
      nodes: page.map(toDelivery),
      pageInfo: { hasNextPage: rows.length > size, endCursor: page.length > 0 ? encodeDeliveryCursor(page.at(-1)!.seq) : null },
    };
  }

  /**
   * Tries a finished delivery once more, now, with the same `webhook-id` (the receiver may have
   * lost it, or was down for longer than the retries lasted). One attempt, no retries after it;
   * the delivery shows its outcome like any other attempt.
   */
  async redeliver(viewer: Viewer | null, deliveryId: string) {
    const me = requirePermission(viewer, Permission.WEBHOOKS_MANAGE);
    const delivery = isUuid(deliveryId) ? await this.webhooks.findDelivery(me.accountId, deliveryId) : null;
    if (!delivery) throw AppError.notFound('webhook delivery');
    const endpoint = await this.requireEndpoint(me.accountId, delivery.endpointId);
    if (!endpoint.enabled) {
      throw new AppError(ErrorCode.CONFLICT, 'This endpoint is turned off. Turn it on to redeliver to it.');
    }
    const reopened = await inTransaction(this.database, async (db) => {
      const row = await this.webhooks.with(db).reopen(me.accountId, deliveryId);
      if (row) {
        await enqueueWebhookAttempt(this.queue, db, { deliveryId, accountId: me.accountId, attempt: row.attempts + 1, once: true });
      }
      return row;
    });
    if (!reopened) {
      throw new AppError(ErrorCode.CONFLICT, 'This delivery is still being attempted; it can be redelivered once it has been delivered or has failed.');
    }
    this.notifier.notify();
    return toDelivery(reopened);
  }

  /** The hourly retention sweep: finished deliveries older than WEBHOOK_RETENTION_DAYS go, in batches; how many. */
  async removeExpiredDeliveries(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.settings.retentionDays * 24 * 3600_000);
    let removed = 0;
    for (;;) {
      const batch = await this.webhooks.deleteFinishedBefore(before, 1000);
      removed += batch;
      if (batch < 1000) return removed;
    }
  }

  /** `pnpm ops secrets:rotate`: seals every stored secret with the current key; how many it changed. */
  async resealSecrets(): Promise<number> {
    let count = 0;
    for (const row of await this.webhooks.sealedSecrets()) {
      if (this.secrets.isCurrent(row.sealed)) continue;
      await this.webhooks.setSealedSecret(row.id, this.secrets.seal(row.accountId, row.id, this.secrets.open(row.accountId, row.id, row.sealed)));
      count += 1;
    }
    return count;
  }

  private async requireEndpoint(accountId: string, id: string): Promise<WebhookEndpointView> {
    const endpoint = isUuid(id) ? await this.webhooks.findEndpoint(accountId, id) : null;
    if (!endpoint) throw AppError.notFound('webhook endpoint');
    return endpoint;
  }
}

function toDelivery(row: WebhookDeliveryRow) {
  return { ...row, eventId: String(row.eventId), webhookId: webhookMessageId(row.id) };
}

function encodeDeliveryCursor(seq: number): string {
  return Buffer.from(`d:${seq}`).toString('base64url');
}

function decodeDeliveryCursor(raw: string): number {
  const match = /^d:(\d{1,15})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!match) throw AppError.badInput('after', InputReason.INVALID_VALUE, 'This cursor is not one the deliveries list gave; start again without `after`.');
  return Number(match[1]);
}
