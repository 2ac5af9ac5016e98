/**
 * The file rules (system of record: the chatbot's attachment.rb constants, PRD section 6).
 * The server enforces these, and serves them to the admin through `attachmentLimits`.
 */
import type { FileKind } from '../channels/channels.js';

export type { FileKind };

export const ACCEPTED_EXTENSIONS: Readonly<Record<FileKind, readonly string[]>> = {
  image: ['jpg', 'jpeg', 'png', 'gif'],
  video: ['mkv', 'mov', 'mp4'],
  audio: ['opus', 'aac', 'amr', 'm4a', 'mp3'],
  document: ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'csv', 'txt', 'zip'],
};

export const MIME_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  mkv: 'video/x-matroska',
  mov: 'video/quicktime',
  mp4: 'video/mp4',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  amr: 'audio/amr',
  m4a: 'audio/mp4',
  mp3: 'audio/mpeg',
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  csv: 'text/csv',
  txt: 'text/plain',
  zip: 'application/zip',
};

/** 75 MB (ACCEPTEDFILESIZE = 78643200 bytes). */
export const MAX_FILE_BYTES = 78_643_200;
export const MAX_FILES_PER_ACTION = 10;
export const MAX_FILE_NAME_BYTES = 255;

export const FIELD_LIMITS = {
  nameMaxChars: 100,
  triggerMaxChars: 1024,
  contentMessageMaxChars: 1024,
  captionMaxChars: 1024,
} as const;

export const ALL_EXTENSIONS: readonly string[] = Object.values(ACCEPTED_EXTENSIONS).flat();

export function kindOfExtension(extension: string): FileKind | undefined {
  return (Object.keys(ACCEPTED_EXTENSIONS) as FileKind[]).find((kind) =>
    ACCEPTED_EXTENSIONS[kind].includes(extension),
  );
}

/** "12.5 MB" style sizes for messages (1 MB = 1,048,576 bytes, as the 75 MB cap is counted). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}
