import { CHANNELS, channelRefusal, type ChannelRule } from '../channels/channels.js';
import type { ChatServiceCredentials, RoomLookup } from '../chat-service/chat-service.adapter.js';
import type { FileKind } from '../files/limits.js';
import type { BlobStore } from '../files/storage.js';
import type { Logger } from '../infra/log/logger.js';
import type { PinnedFile } from './invoke-context.query.js';
import { SendFailureReason } from './sends.model.js';

/** Why a send fails before any delivery (the send's reason and its send_failed event). */
export interface GuardFailure {
  reason: SendFailureReason;
  detail: string;
}

/**
 * What invoke does after the room lookup: refuse the call (no such room for this account), or
 * record a send on `channelId`, failed at once when `failure` is set. `asLink`: the pinned files
 * (by attachment id) the channel cannot carry, to go as download links (the action allows it).
 */
export type GuardVerdict =
  | { kind: 'not_found' }
  | { kind: 'send'; channelId: string | null; channel: ChannelRule | null; failure: GuardFailure | null; asLink: ReadonlySet<string> };

const NONE: ReadonlySet<string> = new Set();

/** The pre-send guard: what invoke checks once ChatService has answered for the conversation. */
export class SendGuard {
  constructor(
    private readonly blobs: BlobStore,
    private readonly log: Logger,
  ) {}

  /** `linkFallback`: the action sends a link for a file the channel cannot carry, instead of failing. */
  async check(who: ChatServiceCredentials, lookup: RoomLookup, files: PinnedFile[], linkFallback: boolean): Promise<GuardVerdict> {
    switch (lookup.kind) {
      case 'not_found':
        return { kind: 'not_found' };
      case 'credentials':
        // An operator's problem, not the channel's: counted apart, and said so in the log.
        this.log.warn('chat_service.credentials_refused', { accountId: who.accountId, httpStatus: lookup.httpStatus, during: 'room lookup' });
        return { kind: 'send', channelId: null, channel: null, asLink: NONE, failure: { reason: SendFailureReason.CREDENTIALS, detail: `room lookup: ${lookup.error}` } };
      case 'unavailable':
        return { kind: 'send', channelId: null, channel: null, asLink: NONE, failure: { reason: SendFailureReason.SERVER_ERROR, detail: `room lookup: ${lookup.error}` } };
      case 'found': {
        const { room } = lookup;
        const channel = room.channel ? CHANNELS[room.channel] : null;
        // An unknown channel code is kept as it came, so history and stats show what ChatService said.
        const asLink = new Set<string>();
        const failure = await this.checkFiles(room.channelCode, channel, files, linkFallback ? asLink : null);
        return { kind: 'send', channelId: room.channel ?? room.channelCode, channel, failure, asLink: failure ? NONE : asLink };
      }
    }
  }

  /**
   * SPEC section 5.4, in order: channel, then each file against the channel, then storage. A
   * file the channel cannot carry goes into `asLink` when given (the link fallback), instead of
   * failing the send; a channel that carries no attachments at all still fails (no link either).
   */
  private async checkFiles(
    channelCode: string,
    channel: ChannelRule | null,
    files: PinnedFile[],
    asLink: Set<string> | null,
  ): Promise<GuardFailure | null> {
    if (!channel) {
      return { reason: SendFailureReason.CHANNEL_UNSUPPORTED, detail: `ChatService channel code "${channelCode}" is not a channel Send Attachment knows` };
    }
    if (!channel.supportsAttachments) {
      return { reason: SendFailureReason.CHANNEL_UNSUPPORTED, detail: `${channel.label} does not support attachments` };
    }
    for (const file of files) {
      const refusal = channelRefusal(channel, { kind: file.kind as FileKind, extension: file.extension, sizeBytes: file.sizeBytes });
      if (refusal && asLink) asLink.add(file.id);
      else if (refusal) return { reason: SendFailureReason.CHANNEL_LIMIT_EXCEEDED, detail: `${file.fileName}: ${refusal}` };
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
