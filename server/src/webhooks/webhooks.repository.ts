import { and, asc, count, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { lockUntilCommit, type DbOrTx } from '../infra/db/db.js';
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from '../infra/db/schema.js';
import { WebhookDeliveryStatus, type WebhookAttemptError } from './webhooks.model.js';

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

/** An endpoint as it may leave the service: never the sealed secret. */
export type WebhookEndpointView = Omit<WebhookEndpointRow, 'secretSealed'>;

const ENDPOINT_VIEW = {
  id: webhookEndpoints.id,
  accountId: webhookEndpoints.accountId,
  url: webhookEndpoints.url,
  events: webhookEndpoints.events,
  enabled: webhookEndpoints.enabled,
  createdAt: webhookEndpoints.createdAt,
  updatedAt: webhookEndpoints.updatedAt,
};

/** What one attempt ended with, for `recordAttempt`. */
export interface AttemptRecord {
  httpStatus: number | null;
  errorCode: WebhookAttemptError | null;
  error: string | null;
  responseExcerpt: string | null;
  durationMs: number;
  /** DELIVERED, FAILED (no more attempts) or PENDING (retry at `nextAttemptAt`). */
  status: WebhookDeliveryStatus;
  nextAttemptAt: Date | null;
}

export class WebhooksRepository {
  constructor(private readonly db: DbOrTx) {}

  with(db: DbOrTx): WebhooksRepository {
    return new WebhooksRepository(db);
  }

  /** Serialises endpoint creation per account, so two at once cannot pass the endpoint limit. */
  async lockAccount(accountId: string): Promise<void> {
    await lockUntilCommit(this.db, `webhooks:${accountId}`);
  }

  async countEndpoints(accountId: string): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.accountId, accountId));
    return row?.n ?? 0;
  }

  async insertEndpoint(row: typeof webhookEndpoints.$inferInsert): Promise<WebhookEndpointView> {
    const [created] = await this.db.insert(webhookEndpoints).values(row).returning(ENDPOINT_VIEW);
    return created!;
  }

  listEndpoints(accountId: string): Promise<WebhookEndpointView[]> {
    return this.db
      .select(ENDPOINT_VIEW)
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.accountId, accountId))
      .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
  }

  async findEndpoint(accountId: string, id: string): Promise<WebhookEndpointView | null> {
    const [row] = await this.db
      .select(ENDPOINT_VIEW)
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)));
    return row ?? null;
  }

  async updateEndpoint(
    accountId: string,
    id: string,
    patch: Partial<Pick<WebhookEndpointRow, 'url' | 'events' | 'enabled' | 'secretSealed'>>,
  ): Promise<WebhookEndpointView | null> {
    const [row] = await this.db
      .update(webhookEndpoints)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)))
      .returning(ENDPOINT_VIEW);
    return row ?? null;
  }

  /** Its deliveries go with it (cascade): a job still queued for one finds nothing and ends. */
  async deleteEndpoint(accountId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .delete(webhookEndpoints)
      .where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)))
      .returning({ id: webhookEndpoints.id });
    return rows.length > 0;
  }

  /** The key ids the stored secrets were sealed with (start-up checks this process has them all). */
  async sealedKeyIds(): Promise<string[]> {
    const rows = await this.db.selectDistinct({ keyId: sql<string>`split_part(${webhookEndpoints.secretSealed}, '.', 2)` }).from(webhookEndpoints);
    return rows.map((r) => r.keyId);
  }

  sealedSecrets(): Promise<{ id: string; accountId: string; sealed: string }[]> {
    return this.db.select({ id: webhookEndpoints.id, accountId: webhookEndpoints.accountId, sealed: webhookEndpoints.secretSealed }).from(webhookEndpoints);
  }

  /** A re-sealed secret: the same secret, so `updated_at` stays (nothing a person changed). */
  async setSealedSecret(id: string, sealed: string): Promise<void> {
    await this.db.update(webhookEndpoints).set({ secretSealed: sealed }).where(eq(webhookEndpoints.id, id));
  }

  /** One page of an endpoint's deliveries, newest first; `beforeSeq` is the previous page's last. */
  listDeliveries(accountId: string, endpointId: string, first: number, beforeSeq: number | null): Promise<WebhookDeliveryRow[]> {
    return this.db
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.accountId, accountId),
          eq(webhookDeliveries.endpointId, endpointId),
          beforeSeq === null ? undefined : lt(webhookDeliveries.seq, beforeSeq),
        ),
      )
      .orderBy(desc(webhookDeliveries.seq))
      .limit(first);
  }

  async findDelivery(accountId: string, id: string): Promise<WebhookDeliveryRow | null> {
    const [row] = await this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.id, id)));
    return row ?? null;
  }

  /**
   * A finished delivery (DELIVERED or FAILED) back to PENDING, due now, for one more attempt
   * (a redelivery); the row as it is then, or null when it was not finished (already pending:
   * two redeliveries at once make one attempt, not two).
   */
  async reopen(accountId: string, id: string): Promise<WebhookDeliveryRow | null> {
    const [row] = await this.db
      .update(webhookDeliveries)
      .set({ status: WebhookDeliveryStatus.PENDING, nextAttemptAt: sql`now()` })
      .where(
        and(
          eq(webhookDeliveries.accountId, accountId),
          eq(webhookDeliveries.id, id),
          inArray(webhookDeliveries.status, [WebhookDeliveryStatus.DELIVERED, WebhookDeliveryStatus.FAILED]),
        ),
      )
      .returning();
    return row ?? null;
  }

  /**
   * Removes up to `limit` finished deliveries created before `before`, with their attempts (the
   * foreign key cascades); how many. Pending ones stay, however old: they are still owed.
   */
  async deleteFinishedBefore(before: Date, limit: number): Promise<number> {
    const rows = await this.db.execute<{ id: string }>(sql`
      delete from ${webhookDeliveries} where ${webhookDeliveries.id} in (
        select ${webhookDeliveries.id} from ${webhookDeliveries}
        where ${webhookDeliveries.createdAt} < ${before.toISOString()}::timestamptz
          and ${webhookDeliveries.status} <> ${WebhookDeliveryStatus.PENDING}
        limit ${limit})
      returning ${webhookDeliveries.id}`);
    return rows.length;
  }

  /**
   * Deliveries the fan-out trigger wrote that have no job yet, locked for this transaction;
   * SKIP LOCKED lets relays of several processes share the work without waiting on each other.
   */
  async takeUnqueued(limit: number): Promise<{ id: string; accountId: string }[]> {
    return this.db
      .select({ id: webhookDeliveries.id, accountId: webhookDeliveries.accountId })
      .from(webhookDeliveries)
      .where(isNull(webhookDeliveries.enqueuedAt))
      .orderBy(asc(webhookDeliveries.seq))
      .limit(limit)
      .for('update', { skipLocked: true });
  }

  async markEnqueued(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.update(webhookDeliveries).set({ enqueuedAt: sql`now()` }).where(inArray(webhookDeliveries.id, ids));
  }

  /**
   * Starts attempt `attempt` of a pending delivery: true when this run may go ahead. Normally
   * the previous attempt is recorded and none is in flight; a run pg-boss retries because its
   * worker died (`rerun`) may take over the same attempt, which then keeps its number. A job
   * of a delivery already recorded past this attempt (a late duplicate) gets false.
   */
  async claimAttempt(deliveryId: string, attempt: number, rerun: boolean): Promise<boolean> {
    const rows = await this.db
      .update(webhookDeliveries)
      .set({ attempts: attempt, inFlight: true })
      .where(
        and(
          eq(webhookDeliveries.id, deliveryId),
          eq(webhookDeliveries.status, WebhookDeliveryStatus.PENDING),
          rerun
            ? sql`((${webhookDeliveries.attempts} = ${attempt - 1} and not ${webhookDeliveries.inFlight}) or (${webhookDeliveries.attempts} = ${attempt} and ${webhookDeliveries.inFlight}))`
            : sql`${webhookDeliveries.attempts} = ${attempt - 1} and not ${webhookDeliveries.inFlight}`,
        ),
      )
      .returning({ id: webhookDeliveries.id });
    return rows.length > 0;
  }

  /**
   * Ends the attempt in flight: the history row and the delivery's state together. False when
   * another run recorded this attempt first (an expired run that kept going): then the caller
   * enqueues nothing, so a delivery never has two next attempts.
   */
  async recordAttempt(accountId: string, deliveryId: string, attempt: number, record: AttemptRecord): Promise<boolean> {
    const rows = await this.db
      .update(webhookDeliveries)
      .set({
        inFlight: false,
        status: record.status,
        lastStatus: record.httpStatus,
        lastErrorCode: record.errorCode,
        lastError: record.error,
        responseExcerpt: record.responseExcerpt,
        nextAttemptAt: record.nextAttemptAt,
        ...(record.status === WebhookDeliveryStatus.DELIVERED ? { deliveredAt: new Date() } : {}),
      })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.attempts, attempt), eq(webhookDeliveries.inFlight, true)))
      .returning({ id: webhookDeliveries.id });
    if (rows.length === 0) return false;
    await this.db.insert(webhookAttempts).values({
      accountId,
      deliveryId,
      attempt,
      httpStatus: record.httpStatus,
      errorCode: record.errorCode,
      error: record.error,
      durationMs: record.durationMs,
    });
    return true;
  }
}
