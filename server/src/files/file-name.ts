import { MAX_FILE_NAME_BYTES } from './limits.js';

/**
 * Keeps the last path part of a client-sent name, drops control characters, keeps Unicode,
 * and trims to 255 UTF-8 bytes without splitting a character or losing the extension.
 * Returns '' when nothing usable is left.
 */
export function sanitizeFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // C0, DEL, C1 controls, and bidi overrides that would disguise an extension.
  const cleaned = base
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .replace(/^\.+/, '');
  if (Buffer.byteLength(cleaned) <= MAX_FILE_NAME_BYTES) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  let stem = cleaned.slice(0, cleaned.length - ext.length);
  const budget = MAX_FILE_NAME_BYTES - Buffer.byteLength(ext);
  while (Buffer.byteLength(stem) > budget) stem = Array.from(stem).slice(0, -1).join('');
  return stem + ext;
}

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '';
}
