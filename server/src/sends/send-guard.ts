import { channelRefusal, type ChannelRule } from '../channels/channels.js';
import type { FileKind } from '../files/limits.js';
import type { BlobStore } from '../files/storage.js';
import type { PinnedFile } from './invoke-context.query.js';
import { SendFailureReason } from './sends.model.js';

/** Why a send fails before any delivery (the send's reason and its send_failed event). */
export interface GuardFailure {
  reason: SendFailureReason;
  detail: string;
}

/** The pre-send guard: what invoke checks once the conversation's channel is known. */
export class SendGuard {
  constructor(private readonly blobs: BlobStore) {}

  /** SPEC section 5.4, in order: channel, then each file against the channel, then storage. */
  async check(channelId: string, channel: ChannelRule | null, files: PinnedFile[]): Promise<GuardFailure | null> {
    if (!channel || !channel.supportsAttachments) {
      return { reason: SendFailureReason.CHANNEL_UNSUPPORTED, detail: `${channel?.label ?? channelId} does not support attachments` };
    }
    for (const file of files) {
      const refusal = channelRefusal(channel, { kind: file.kind as FileKind, extension: file.extension, sizeBytes: file.sizeBytes });
      if (refusal) return { reason: SendFailureReason.CHANNEL_LIMIT_EXCEEDED, detail: `${file.fileName}: ${refusal}` };
    }
    if (files.length === 0) return { reason: SendFailureReason.FILE_MISSING, detail: 'the action has no pinned files' };
    for (const file of files) {
      if (!(await this.blobs.has(file.sha256))) {
        return { reason: SendFailureReason.FILE_MISSING, detail: `${file.fileName}: stored file ${file.sha256.slice(0, 12)}… is missing` };
      }
    }
    return null;
  }
}
