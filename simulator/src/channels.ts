/**
 * What the simulated providers accept. Deliberately the simulator's own copy, not an import of
 * the server's channel table: a real ChatService and its providers are another team's systems,
 * and a provider refuses what it refuses (413, or 422 in the open API) even when our pre-send
 * guard let the file through. Values: the providers' public documentation, as in SPEC section 8.
 */
export type Kind = 'image' | 'video' | 'audio' | 'document';

interface KindLimit {
  maxBytes: number;
  /** Undefined: any extension. */
  extensions?: readonly string[];
  maxBytesByExtension?: Readonly<Record<string, number>>;
}

interface Provider {
  label: string;
  kinds: Partial<Record<Kind, KindLimit>>;
}

const MB = 1024 * 1024;

export const PROVIDERS: Readonly<Record<string, Provider>> = {
  whatsapp: {
    label: 'WhatsApp',
    kinds: {
      image: { maxBytes: 5 * MB, extensions: ['jpg', 'jpeg', 'png'] },
      video: { maxBytes: 16 * MB, extensions: ['mp4', '3gp'] },
      audio: { maxBytes: 16 * MB, extensions: ['aac', 'amr', 'mp3', 'm4a', 'opus', 'ogg'] },
      document: { maxBytes: 100 * MB },
    },
  },
  telegram: {
    label: 'Telegram',
    kinds: { image: { maxBytes: 10 * MB }, video: { maxBytes: 50 * MB }, audio: { maxBytes: 50 * MB }, document: { maxBytes: 50 * MB } },
  },
  email: {
    label: 'Email',
    kinds: { image: { maxBytes: 25 * MB }, video: { maxBytes: 25 * MB }, audio: { maxBytes: 25 * MB }, document: { maxBytes: 25 * MB } },
  },
  line: {
    label: 'LINE',
    kinds: {
      image: { maxBytes: 10 * MB, extensions: ['jpg', 'jpeg', 'png'] },
      video: { maxBytes: 200 * MB, extensions: ['mp4'] },
      audio: { maxBytes: 200 * MB, extensions: ['m4a'] },
    },
  },
  twitter: {
    label: 'X',
    kinds: {
      image: { maxBytes: 5 * MB, extensions: ['jpg', 'jpeg', 'png', 'gif'], maxBytesByExtension: { gif: 15 * MB } },
      video: { maxBytes: 512 * MB, extensions: ['mp4', 'mov'] },
    },
  },
  tokopedia: { label: 'Tokopedia Chat', kinds: { image: { maxBytes: 5 * MB, extensions: ['jpg', 'jpeg', 'png'] } } },
  instagram: { label: 'Instagram', kinds: {} },
};

/**
 * The channel codes the published open API puts on rooms (`channel: "wa"`), by provider. A room
 * registered with any other name keeps it as its code, so a test can make a room on a channel
 * the server does not know.
 */
const OPEN_API_CODES: Readonly<Record<string, string>> = { whatsapp: 'wa', tokopedia: 'tokopedia_chat', instagram: 'ig' };
const PROVIDER_OF_CODE: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(OPEN_API_CODES).map(([p, c]) => [c, p]));

/** The code a room on `channel` carries in the open API. */
export function openApiCode(channel: string): string {
  return OPEN_API_CODES[channel] ?? channel;
}

/** The provider behind a channel name or code, or the name itself when it is neither. */
export function providerOf(channelOrCode: string): string {
  return PROVIDER_OF_CODE[channelOrCode] ?? channelOrCode;
}

/** Why the provider refuses the file, or null when it takes it. */
export function providerRefusal(channel: string, file: { kind: Kind; fileName: string; sizeBytes: number }): string | null {
  const provider = PROVIDERS[providerOf(channel)];
  if (!provider) return `unknown channel ${channel}`;
  const limit = provider.kinds[file.kind];
  if (!limit) return `${provider.label} does not take ${file.kind} files`;
  const dot = file.fileName.lastIndexOf('.');
  const extension = dot > 0 ? file.fileName.slice(dot + 1).toLowerCase() : '';
  if (limit.extensions && !limit.extensions.includes(extension)) {
    return `${provider.label} takes ${file.kind} files only as ${limit.extensions.join(', ')}`;
  }
  const max = limit.maxBytesByExtension?.[extension] ?? limit.maxBytes;
  if (file.sizeBytes > max) return `${provider.label} takes ${file.kind} files up to ${Math.round(max / MB)} MB`;
  return null;
}
