import { and, asc, desc, eq, gte, inArray, lt, notInArray, sql, type SQL } from 'drizzle-orm';
import { lockUntilCommit, type DbOrTx } from '../infra/db/db.js';
import { cursorText, olderThan, type TimeCursor } from '../infra/db/keyset.js';
import { actions, sendAttempts, sendFiles, sends } from '../infra/db/schema.js';
import { isUuid } from '../infra/ids.js';
import { FileDelivery, FINAL_SEND_STATUSES, SendFileStatus, SendStatus } from './sends.model.js';

export type SendRow = typeof sends.$inferSelect;
export type NewSend = typeof sends.$inferInsert;
export type SendFileRow = typeof sendFiles.$inferSelect;
export type NewSendFile = Omit<typeof sendFiles.$inferInsert, 'sendId'>;
export type SendAttemptRow = typeof sendAttempts.$inferSelect;

/** How often an action has sent: the actions library's usage column. */
export interface ActionUsage {
  sent: number;
  failed: number;
  lastSentAt: Date | null;
}

export interface SendListFilter {
  status?: SendStatus[] | null;
  channel?: string[] | null;
  reason?: string[] | null;
  actionId?: string | null;
  agentId?: string | null;
  conversationId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** Position in the newest-first history (infra/db/keyset.ts). */
export type SendCursor = TimeCursor;

/**
 * The allowlist of history filters: each input field maps to one fixed condition.
 * Ids that are not UUIDs match nothing rather than reaching Postgres.
 */
function filterConditions(accountId: string, f: SendListFilter): SQL[] {
  const none = sql`false`;
  const c: SQL[] = [eq(sends.accountId, accountId)];
  if (f.status?.length) c.push(inArray(sends.status, f.status));
  if (f.channel?.length) c.push(inArray(sends.channel, f.channel));
  if (f.reason?.length) c.push(inArray(sends.reason, f.reason));
  if (f.actionId) c.push(isUuid(f.actionId) ? eq(sends.actionId, f.actionId) : none);
  if (f.agentId) c.push(isUuid(f.agentId) ? eq(sends.agentId, f.agentId) : none);
  if (f.conversationId) c.push(eq(sends.conversationId, f.conversationId));
  if (f.from) c.push(gte(sends.createdAt, f.from));
  if (f.to) c.push(lt(sends.createdAt, f.to));
  return c;
}

/** One attempt row, as a statement to run in a CTE beside the file's change. */
function insertAttempt(attempt: typeof sendAttempts.$inferInsert): SQL {
  return sql`insert into ${sendAttempts} (send_id, send_file_id, attempt, started_at, duration_ms, http_status, error, response_excerpt)
    values (${attempt.sendId}::uuid, ${attempt.sendFileId}::uuid, ${attempt.attempt}::int, ${attempt.startedAt!.toISOString()}::timestamptz,
            ${attempt.durationMs ?? null}::int, ${attempt.httpStatus ?? null}::int, ${attempt.error ?? null}::text, ${attempt.responseExcerpt ?? null}::text)`;
}

export class SendsRepository {
  constructor(private readonly db: DbOrTx) {}

  with(db: DbOrTx): SendsRepository {
    return new SendsRepository(db);
  }

  /** Serialises concurrent invokes that could duplicate each other, until the transaction ends. */
  async lockTransaction(key: string): Promise<void> {
    await lockUntilCommit(this.db, key);
  }

  /**
   * The send holding `key` if it is younger than `withinSeconds` (a duplicate). A holder older
   * than that is released (its key set to null) so the key can be claimed again; then undefined.
   */
  async releaseExpiredKey(accountId: string, key: string, withinSeconds: number): Promise<SendRow | undefined> {
    const held = and(eq(sends.accountId, accountId), eq(sends.idempotencyKey, key));
    const [released] = await this.db
      .update(sends)
      .set({ idempotencyKey: null })
      .where(and(held, sql`${sends.createdAt} <= now() - make_interval(secs => ${withinSeconds})`))
      .returning({ id: sends.id });
    if (released) return undefined;
    const [holder] = await this.db.select().from(sends).where(held);
    return holder;
  }

  /** Marks an unfinished send as handled now (a requeue); undefined when it is final or missing. */
  async touchUnfinished(accountId: string, id: string): Promise<SendRow | undefined> {
    const [row] = await this.db
      .update(sends)
      .set({ updatedAt: new Date() })
      .where(and(eq(sends.accountId, accountId), eq(sends.id, id), notInArray(sends.status, [...FINAL_SEND_STATUSES])))
      .returning();
    return row;
  }

  async findRecent(accountId: string, actionId: string, conversationId: string, withinSeconds: number) {
    const [row] = await this.db
      .select()
      .from(sends)
      .where(
        and(
          eq(sends.accountId, accountId),
          eq(sends.actionId, actionId),
          eq(sends.conversationId, conversationId),
          sql`${sends.createdAt} > now() - make_interval(secs => ${withinSeconds})`,
        ),
      )
      .orderBy(asc(sends.createdAt))
      .limit(1);
    return row;
  }

  async find(accountId: string, id: string): Promise<SendRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.db
      .select()
      .from(sends)
      .where(and(eq(sends.accountId, accountId), eq(sends.id, id)));
    return row;
  }

  async files(sendId: string): Promise<SendFileRow[]> {
    return this.db.select().from(sendFiles).where(eq(sendFiles.sendId, sendId)).orderBy(asc(sendFiles.position));
  }

  async filesFor(sendIds: string[]): Promise<SendFileRow[]> {
    if (sendIds.length === 0) return [];
    return this.db
      .select()
      .from(sendFiles)
      .where(inArray(sendFiles.sendId, sendIds))
      .orderBy(asc(sendFiles.sendId), asc(sendFiles.position));
  }

  async attemptsFor(sendIds: string[]): Promise<SendAttemptRow[]> {
    if (sendIds.length === 0) return [];
    return this.db
      .select()
      .from(sendAttempts)
      .where(inArray(sendAttempts.sendId, sendIds))
      .orderBy(asc(sendAttempts.startedAt), asc(sendAttempts.id));
  }

  /** A file's successful attempt: the attempt row and the file DELIVERED, in one statement. */
  async recordDelivered(attempt: typeof sendAttempts.$inferInsert, messageId: string | null): Promise<void> {
    await this.db.execute(sql`
      with attempt as (${insertAttempt(attempt)})
      update ${sendFiles} set status = ${SendFileStatus.DELIVERED}::send_file_status, delivered_at = now(), message_id = ${messageId}::text
      where id = ${attempt.sendFileId}::uuid`);
  }

  async markFileFailed(id: string): Promise<void> {
    await this.db.update(sendFiles).set({ status: SendFileStatus.FAILED }).where(and(eq(sendFiles.id, id), eq(sendFiles.status, SendFileStatus.PENDING)));
  }

  /**
   * ChatService refused the file itself and the send allows links: this attempt is recorded
   * and the file goes as a link from now on (later runs too).
   */
  async switchToLink(attempt: typeof sendAttempts.$inferInsert): Promise<void> {
    await this.db.execute(sql`
      with attempt as (${insertAttempt(attempt)})
      update ${sendFiles} set delivery = ${FileDelivery.AS_LINK}::file_delivery where id = ${attempt.sendFileId}::uuid`);
  }

  /** What a download link serves: a file that went (or is going) as a link, whatever its account. */
  async findLinkedFile(sendFileId: string): Promise<{ fileName: string; mimeType: string; sizeBytes: number; sha256: string } | undefined> {
    const [row] = await this.db
      .select({ fileName: sendFiles.fileName, mimeType: sendFiles.mimeType, sizeBytes: sendFiles.sizeBytes, sha256: sendFiles.sha256 })
      .from(sendFiles)
      .where(and(eq(sendFiles.id, sendFileId), eq(sendFiles.delivery, FileDelivery.AS_LINK)));
    return row;
  }

  /**
   * Files delivered as download links in sends that ended SENT in [from, to), for the dashboard
   * (the rollups count sends, not files). Reads the small partial index of linked files first.
   */
  async countFilesSentAsLinks(scope: { accountId: string | null; agentId?: string; channel?: string }, from: Date, to: Date): Promise<number> {
    const [row] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(sendFiles)
      .innerJoin(sends, eq(sends.id, sendFiles.sendId))
      .where(
        and(
          eq(sendFiles.delivery, FileDelivery.AS_LINK),
          eq(sendFiles.status, SendFileStatus.DELIVERED),
          eq(sends.status, SendStatus.SENT),
          eq(sends.isTest, false),
          gte(sends.completedAt, from),
          lt(sends.completedAt, to),
          scope.accountId ? eq(sends.accountId, scope.accountId) : undefined,
          scope.agentId ? eq(sends.agentId, scope.agentId) : undefined,
          scope.channel !== undefined ? eq(sends.channel, scope.channel) : undefined,
        ),
      );
    return row?.count ?? 0;
  }

  async recordAttempt(row: typeof sendAttempts.$inferInsert): Promise<void> {
    await this.db.insert(sendAttempts).values(row);
  }

  /** Counts one retryable failure; returns the send's total. */
  async addFailedAttempt(id: string): Promise<number> {
    const [row] = await this.db
      .update(sends)
      .set({ failedAttempts: sql`${sends.failedAttempts} + 1`, updatedAt: new Date() })
      .where(eq(sends.id, id))
      .returning({ failedAttempts: sends.failedAttempts });
    return row?.failedAttempts ?? 0;
  }

  async count(accountId: string, filter: SendListFilter): Promise<number> {
    const [total] = await this.db
      .select({ count: sql<number>`count(*)`.mapWith(Number) })
      .from(sends)
      .where(and(...filterConditions(accountId, filter)));
    return total?.count ?? 0;
  }

  /** Keyset page of the history, newest first (`after` is the last row of the previous page). */
  async page(accountId: string, filter: SendListFilter, first: number, after: SendCursor | null) {
    const conditions = filterConditions(accountId, filter);
    const page = after ? [olderThan(sends.createdAt, sends.id, after)!] : [];
    const rows = await this.db
      .select({
        send: sends,
        actionName: actions.name,
        cursorAt: cursorText(sends.createdAt),
      })
      .from(sends)
      .leftJoin(actions, eq(actions.id, sends.actionId))
      .where(and(...conditions, ...page))
      .orderBy(desc(sends.createdAt), desc(sends.id))
      .limit(first + 1);
    return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  async fileCounts(sendIds: string[]): Promise<Map<string, number>> {
    if (sendIds.length === 0) return new Map();
    const rows = await this.db
      .select({ sendId: sendFiles.sendId, count: sql<number>`count(*)`.mapWith(Number) })
      .from(sendFiles)
      .where(inArray(sendFiles.sendId, sendIds))
      .groupBy(sendFiles.sendId);
    return new Map(rows.map((r) => [r.sendId, r.count]));
  }

  async findWithAction(accountId: string, id: string) {
    if (!isUuid(id)) return undefined;
    const [row] = await this.db
      .select({ send: sends, actionName: actions.name })
      .from(sends)
      .leftJoin(actions, eq(actions.id, sends.actionId))
      .where(and(eq(sends.accountId, accountId), eq(sends.id, id)));
    return row;
  }

  /** Per action of the account: sends that ended SENT and FAILED, and the last one sent (the library's usage column). */
  async usageByAction(accountId: string, actionIds: string[]): Promise<Map<string, ActionUsage>> {
    if (actionIds.length === 0) return new Map();
    const rows = await this.db
      .select({
        actionId: sends.actionId,
        sent: sql<number>`count(*) filter (where ${sends.status} = ${SendStatus.SENT})`.mapWith(Number),
        failed: sql<number>`count(*) filter (where ${sends.status} = ${SendStatus.FAILED})`.mapWith(Number),
        lastSentAt: sql<string | null>`max(${sends.completedAt}) filter (where ${sends.status} = ${SendStatus.SENT})`,
      })
      .from(sends)
      .where(and(eq(sends.accountId, accountId), inArray(sends.actionId, actionIds)))
      .groupBy(sends.actionId);
    return new Map(
      rows.map((r) => [
        r.actionId,
        { sent: r.sent, failed: r.failed, lastSentAt: r.lastSentAt ? new Date(r.lastSentAt) : null },
      ]),
    );
  }
}
