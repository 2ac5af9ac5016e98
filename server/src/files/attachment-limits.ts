import { ACTION_DEFAULTS } from '../actions/actions.model.js';
import { MAX_TOOLS_PER_AGENT } from '../agents/toolset.js';
import { CHANNELS, CHANNEL_IDS, channelRefusal } from '../channels/channels.js';
import {
  ACCEPTED_EXTENSIONS,
  ALL_EXTENSIONS,
  FIELD_LIMITS,
  MAX_FILE_BYTES,
  MAX_FILES_PER_ACTION,
  type FileKind,
} from './limits.js';

const KINDS = Object.keys(ACCEPTED_EXTENSIONS) as FileKind[];

/** `attachmentLimits`: every rule the admin shows, from the modules that enforce them. */
export function attachmentLimits() {
  return {
    maxFileBytes: MAX_FILE_BYTES,
    maxFilesPerAction: MAX_FILES_PER_ACTION,
    maxToolsPerAgent: MAX_TOOLS_PER_AGENT,
    acceptedExtensions: [...ALL_EXTENSIONS],
    acceptedByKind: KINDS.map((kind) => ({ kind, extensions: [...ACCEPTED_EXTENSIONS[kind]] })),
    fields: {
      nameMaxChars: FIELD_LIMITS.nameMaxChars,
      triggerMaxChars: FIELD_LIMITS.triggerMaxChars,
      contentMessageMaxChars: FIELD_LIMITS.contentMessageMaxChars,
    },
    defaults: { ...ACTION_DEFAULTS },
    channels: CHANNEL_IDS.map((id) => {
      const channel = CHANNELS[id];
      return {
        channel: id,
        label: channel.label,
        supportsAttachments: channel.supportsAttachments,
        kinds: KINDS.map((kind) => {
          const rule = channel.kinds[kind];
          return {
            kind,
            supported: rule !== null,
            maxBytes: rule?.maxBytes ?? null,
            extensions: rule?.extensions ? [...rule.extensions] : null,
          };
        }),
        captionMaxChars: channel.captionMaxChars,
        source: channel.source,
      };
    }),
  };
}

/** For one file: which channels can deliver it, and why not. */
export function channelSupportOf(file: { kind: string; extension: string; sizeBytes: number }) {
  return CHANNEL_IDS.map((id) => {
    const reason = channelRefusal(CHANNELS[id], {
      kind: file.kind as FileKind,
      extension: file.extension,
      sizeBytes: file.sizeBytes,
    });
    return { channel: id, label: CHANNELS[id].label, supported: reason === null, reason };
  });
}
