
/**
 * What each chat channel can carry. The pre-send guard reads this table and the admin shows it
 * under each file; the simulator keeps its own copy (simulator/src/channels.ts), as a real
 * provider would, so it can refuse what this table let through. ChatService's channel codes
 * (`wa`, `tokopedia_chat`, …) are mapped onto these ids in chat-service/chat-service.adapter.ts. Each row cites its source;
 * values are the providers' public documentation as of late 2026 (SPEC section 8).
 */
export type ChannelId = 'whatsapp' | 'telegram' | 'email' | 'line' | 'twitter' | 'tokopedia' | 'instagram';

export interface KindRule {
  maxBytes: number;
  /** Extensions the channel accepts for this kind; undefined = every accepted one. */
  extensions?: readonly string[];
  /** Per-extension size overrides (X allows larger GIFs). */
  maxBytesByExtension?: Readonly<Record<string, number>>;
}

/** The kinds of file a channel may carry (and the ChatService message `type`). */
export type FileKind = 'image' | 'video' | 'audio' | 'document';

export interface ChannelRule {
  id: ChannelId;
  label: string;
  supportsAttachments: boolean;
  /** null: the channel cannot carry this kind at all. */
  kinds: Readonly<Record<FileKind, KindRule | null>>;
  captionMaxChars: number | null;
  source: string;
}

const MB = 1024 * 1024;
const none: Record<FileKind, null> = { image: null, video: null, audio: null, document: null };

export const CHANNELS: Readonly<Record<ChannelId, ChannelRule>> = {
  whatsapp: {
    id: 'whatsapp',
    label: 'WhatsApp',
    supportsAttachments: true,
    kinds: {
      image: { maxBytes: 5 * MB, extensions: ['jpg', 'jpeg', 'png'] },
      video: { maxBytes: 16 * MB, extensions: ['mp4'] },
      audio: { maxBytes: 16 * MB, extensions: ['aac', 'amr', 'mp3', 'm4a', 'opus'] },
      document: { maxBytes: 100 * MB },
    },
    captionMaxChars: 1024,
    source: 'WhatsApp Cloud API, "Supported media types" (developers.facebook.com/docs/whatsapp/cloud-api/reference/media)',
  },
  telegram: {
    id: 'telegram',
    label: 'Telegram',
    supportsAttachments: true,
    kinds: {
      image: { maxBytes: 10 * MB },
      video: { maxBytes: 50 * MB },
      audio: { maxBytes: 50 * MB },
      document: { maxBytes: 50 * MB },
    },
    captionMaxChars: 1024,
    source: 'Telegram Bot API, sendPhoto / sendDocument limits (core.telegram.org/bots/api#sending-files)',
  },
  email: {
    id: 'email',
    label: 'Email',
    supportsAttachments: true,
    kinds: {
      image: { maxBytes: 25 * MB },
      video: { maxBytes: 25 * MB },
      audio: { maxBytes: 25 * MB },
      document: { maxBytes: 25 * MB },
    },
    captionMaxChars: null,
    source: 'Common provider cap of 25 MB per message (Gmail / Microsoft 365 sending limits); each file is its own message here',
  },
  line: {
    id: 'line',
    label: 'LINE',
    supportsAttachments: true,
    kinds: {
      image: { maxBytes: 10 * MB, extensions: ['jpg', 'jpeg', 'png'] },
      video: { maxBytes: 200 * MB, extensions: ['mp4'] },
      audio: { maxBytes: 200 * MB, extensions: ['m4a'] },
      document: null,
    },
    captionMaxChars: 5000,
    source: 'LINE Messaging API, message objects: image / video / audio (developers.line.biz/en/reference/messaging-api/#message-objects)',
  },
  twitter: {
    id: 'twitter',
    label: 'Twitter (X DM)',
    supportsAttachments: true,
    kinds: {
      image: { maxBytes: 5 * MB, extensions: ['jpg', 'jpeg', 'png', 'gif'], maxBytesByExtension: { gif: 15 * MB } },
      video: { maxBytes: 512 * MB, extensions: ['mp4', 'mov'] },
      audio: null,
      document: null,
    },
    captionMaxChars: 10000,
    source: 'X API, media upload best practices and DM attachments (developer.x.com/en/docs/x-api/v1/media/upload-media)',
  },
  tokopedia: {
    id: 'tokopedia',
    label: 'Tokopedia Chat',
    supportsAttachments: true,
    kinds: { ...none, image: { maxBytes: 5 * MB, extensions: ['jpg', 'jpeg', 'png'] } },
    captionMaxChars: 1000,
    source: 'Tokopedia seller chat: images only (developer.tokopedia.com, Chat API "send image"); 5 MB assumed, no size published',
  },
  instagram: {
    id: 'instagram',
    label: 'Instagram',
    supportsAttachments: false,
    kinds: none,
    captionMaxChars: null,
    source: 'Not supported by the Qontak send path for this action (PRD non-goal 4)',
  },
};

export const CHANNEL_IDS = Object.keys(CHANNELS) as ChannelId[];

export interface FileFacts {
  kind: FileKind;
  extension: string;
  sizeBytes: number;
}

/** Why `channel` cannot carry `file`, or null when it can. */
export function channelRefusal(channel: ChannelRule, file: FileFacts): string | null {
  if (!channel.supportsAttachments) return `${channel.label} does not support attachments`;
  const rule = channel.kinds[file.kind];
  if (!rule) return `${channel.label} cannot carry ${file.kind} files`;
  if (rule.extensions && !rule.extensions.includes(file.extension)) {
    return `${channel.label} accepts ${file.kind} files only as ${rule.extensions.join(', ')}`;
  }
  const max = rule.maxBytesByExtension?.[file.extension] ?? rule.maxBytes;
  if (file.sizeBytes > max) {
    return `${channel.label} limits ${file.kind} files to ${Math.round(max / MB)} MB`;
  }
  return null;
}
