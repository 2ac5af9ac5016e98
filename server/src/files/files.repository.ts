import { and, asc, eq, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import { LOCK_SPACE, lockIdsUntilCommit, type DbOrTx } from '../infra/db/db.js';
import { attachments, sendFiles, sends } from '../infra/db/schema.js';
import type { FileKind } from './limits.js';
import type { StagedBlob } from './storage.js';
import { UNFINISHED_SEND_STATUSES } from '../sends/sends.model.js';

export type AttachmentRow = typeof attachments.$inferSelect;

/** A file that passed every rule, its bytes staged; not yet a blob or a row (FilesService.insertReceived). */
export interface ReceivedFile {
  fileName: string;
  extension: string;
  mimeType: string;
  kind: FileKind;
  sizeBytes: number;
  sha256: string;
  staged: StagedBlob;
}

export class FilesRepository {
  constructor(private readonly db: DbOrTx) {}

  with(db: DbOrTx): FilesRepository {
    return new FilesRepository(db);
  }

  /** A staged attachment (no action yet); its blob must be committed in the same transaction. */
  async insert(accountId: string, file: ReceivedFile) {
    const { fileName, extension, mimeType, kind, sizeBytes, sha256 } = file;
    const [row] = await this.db
      .insert(attachments)
      .values({ accountId, fileName, extension, mimeType, kind, sizeBytes, sha256, actionId: null, position: 0 })
      .returning();
    return row!;
  }

  /** Bytes of the account's staged uploads (no action yet), for STAGED_UPLOAD_QUOTA_MB. */
  async stagedBytes(accountId: string): Promise<number> {
    const [row] = await this.db
      .select({ bytes: sql<string>`coalesce(sum(${attachments.sizeBytes}), 0)` })
      .from(attachments)
      .where(and(eq(attachments.accountId, accountId), isNull(attachments.actionId)));
    return Number(row?.bytes ?? 0);
  }

  /**
   * Takes the blob locks of `shas` until the transaction ends: `shared` to commit a blob and
   * insert the rows that point at it, `exclusive` to check that no row does and remove it.
   * So a delete never sees "unreferenced" while an upload of the same bytes is between its
   * commit and its row (docs/storage.md, "Races"). The lock id is the sha256's first 32 bits:
   * two blobs sharing one only wait for each other.
   */
  async lockBlobs(shas: string[], mode: 'shared' | 'exclusive'): Promise<void> {
    await lockIdsUntilCommit(this.db, LOCK_SPACE.BLOB, shas.map((sha) => Number.parseInt(sha.slice(0, 8), 16) | 0), mode);
  }

  async findMany(accountId: string, ids: string[]): Promise<AttachmentRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(attachments)
      .where(and(eq(attachments.accountId, accountId), inArray(attachments.id, ids)));
  }

  async listPinned(accountId: string, actionIds: string[]): Promise<AttachmentRow[]> {
    if (actionIds.length === 0) return [];
    return this.db
      .select()
      .from(attachments)
      .where(and(eq(attachments.accountId, accountId), inArray(attachments.actionId, actionIds)))
      .orderBy(asc(attachments.actionId), asc(attachments.position));
  }

  /**
   * Pins `ids` to the action in the given order, each only if still staged or already
   * this action's (a concurrent save may have taken it). Returns how many were pinned.
   */
  async pin(accountId: string, actionId: string, ids: string[]): Promise<number> {
    let pinned = 0;
    for (const [position, id] of ids.entries()) {
      const rows = await this.db
        .update(attachments)
        .set({ actionId, position })
        .where(
          and(
            eq(attachments.accountId, accountId),
            eq(attachments.id, id),
            or(isNull(attachments.actionId), eq(attachments.actionId, actionId)),
          ),
        )
        .returning({ id: attachments.id });
      pinned += rows.length;
    }
    return pinned;
  }

  /** Removes the action's attachments not in `keep`; returns their content addresses. */
  async unpinAllExcept(actionId: string, keep: string[]): Promise<string[]> {
    const rows = await this.db
      .delete(attachments)
      .where(
        and(
          eq(attachments.actionId, actionId),
          keep.length > 0 ? notInArray(attachments.id, keep) : undefined,
        ),
      )
      .returning({ sha256: attachments.sha256 });
    return rows.map((r) => r.sha256);
  }

  async deleteStagedBefore(before: Date): Promise<string[]> {
    const rows = await this.db
      .delete(attachments)
      .where(and(isNull(attachments.actionId), lt(attachments.createdAt, before)))
      .returning({ sha256: attachments.sha256 });
    return rows.map((r) => r.sha256);
  }

  /**
   * Of `shas`, the ones still needed: pinned or staged by an attachment, or by a file of a
   * send that is not finished yet (the worker reads the blob when it delivers).
   */
  async referenced(shas: string[]): Promise<Set<string>> {
    if (shas.length === 0) return new Set();
    const rows = await this.db.execute<{ sha256: string }>(sql`
      select ${attachments.sha256} as sha256 from ${attachments} where ${inArray(attachments.sha256, shas)}
      union
      select f.sha256 from ${sendFiles} f join ${sends} s on s.id = f.send_id
      where ${inArray(sql`f.sha256`, shas)} and ${inArray(sql`s.status`, [...UNFINISHED_SEND_STATUSES])}
    `);
    return new Set(rows.map((r) => r.sha256));
  }
}
