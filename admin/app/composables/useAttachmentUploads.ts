import {
  UploadAttachmentMutation,
  type AttachmentItem,
  type Limits,
} from '~/components/actions/actions.documents';

export type UploadStatus = 'uploading' | 'uploaded' | 'error';

export interface UploadEntry {
  key: string;
  fileName: string;
  sizeBytes: number;
  /** From the server once uploaded; guessed from the extension (per `attachmentLimits`) before. */
  kind: string | null;
  status: UploadStatus;
  /** 0..1 of the bytes sent. */
  progress: number;
  /** The server's reason, worded by the server. */
  error: string | null;
  attachment: AttachmentItem | null;
  /** The chosen file, while this page has it: a failed upload is retried from it, an image previewed. */
  file: File | null;
}

let nextKey = 0;

/**
 * Why a chosen file was not added, checked in the browser against `attachmentLimits` before a
 * byte is sent (a 76 MB file would otherwise upload for a minute only to be refused). The
 * server checks the same rules again, and the ones only it can (the content's real type).
 */
export function refusalOf(file: { name: string; size: number }, limits: Limits, room: number): string | null {
  const extension = extensionOf(file.name);
  if (!extension) {
    return `“${file.name}” was not added: its name has no file type at the end (such as .pdf or .jpg), so it cannot be sent.`;
  }
  if (!limits.acceptedExtensions.includes(extension)) {
    return `“${file.name}” was not added: .${extension} files cannot be sent. Choose one of the accepted types listed above.`;
  }
  if (file.size > limits.maxFileBytes) {
    return `“${file.name}” was not added: it is larger than ${formatBytes(limits.maxFileBytes)}, the most a file can be. Make it smaller, then add it again.`;
  }
  if (room <= 0) {
    return `“${file.name}” was not added: an action can hold at most ${limits.maxFilesPerAction} files. Remove one to make room.`;
  }
  return null;
}

/**
 * The drawer's file list. Each added file is uploaded at once (`uploadAttachment`, staged on
 * the server) so a bad file is reported on its row before Save; Save then sends only the ids.
 */
export function useAttachmentUploads(options: { limits: () => Limits | null; announce: (message: string) => void }) {
  const entries = ref<UploadEntry[]>([]);
  /** The files of the last choice or drop that were refused before uploading, with why. */
  const refusals = ref<string[]>([]);
  const aborts = new Map<string, () => void>();

  function reset(existing: AttachmentItem[] = []) {
    for (const abort of aborts.values()) abort();
    aborts.clear();
    refusals.value = [];
    entries.value = existing.map((attachment) => ({
      key: `a${nextKey++}`,
      fileName: attachment.fileName,
      sizeBytes: attachment.sizeBytes,
      kind: attachment.kind,
      status: 'uploaded',
      progress: 1,
      error: null,
      attachment,
      file: null,
    }));
  }

  function guessKind(fileName: string): string | null {
    const extension = extensionOf(fileName);
    return options.limits()?.acceptedByKind.find((k) => k.extensions.includes(extension))?.kind ?? null;
  }

  /** Files the server refused do not count: they are not part of the save. */
  const room = (limits: Limits | null, freed = 0) => (limits ? limits.maxFilesPerAction - entries.value.filter((e) => e.status !== 'error').length + freed : Infinity);

  function add(files: Iterable<File>) {
    const limits = options.limits();
    let left = room(limits);
    const refused: string[] = [];
    for (const file of files) {
      const refusal = limits ? refusalOf(file, limits, left) : null;
      if (refusal) {
        refused.push(refusal);
        continue;
      }
      left--;
      upload(file, entries.value.length);
    }
    refusals.value = refused;
    if (refused.length) options.announce(refused.join(' '));
  }

  /** Uploads `file` into a new row at `index`, or again into the row `retryKey` (a failed upload). */
  function upload(file: File, index: number, retryKey?: string) {
    const key = retryKey ?? `f${nextKey++}`;
    const fresh: UploadEntry = {
      key,
      fileName: file.name,
      sizeBytes: file.size,
      kind: guessKind(file.name),
      status: 'uploading',
      progress: 0,
      error: null,
      attachment: null,
      file,
    };
    if (retryKey) entries.value.splice(index, 1, fresh);
    else entries.value.splice(index, 0, fresh);
    // Mutate through the reactive array so Vue sees each change.
    const entry = () => entries.value.find((e) => e.key === key);
    // The multipart spec sends the variable as null; the file travels in the part mapped to it.
    const request = postMultipart(UploadAttachmentMutation, { file: null as unknown as File }, { 'variables.file': file }, {
      token: readToken(),
      onProgress: (fraction) => {
        const current = entry();
        if (current) current.progress = fraction;
      },
    });
    aborts.set(key, request.abort);
    options.announce(`Uploading ${file.name}.`);
    request.result
      .then(({ data, errors }) => {
        const current = entry();
        if (!current) return;
        const attachment = data?.uploadAttachment;
        if (attachment) {
          Object.assign(current, { status: 'uploaded', progress: 1, attachment, kind: attachment.kind, fileName: attachment.fileName });
          const misfits = misfitsOf(attachment, carriersOf(options.limits()));
          options.announce(
            misfits.length
              ? `${attachment.fileName} uploaded. Warning: ${listLabels(misfitChannels(misfits))} cannot carry it.`
              : `${attachment.fileName} uploaded.`,
          );
        } else {
          const message = apiErrorOf(errors)?.message ?? 'The upload failed.';
          Object.assign(current, { status: 'error', error: message });
          options.announce(`${file.name} could not be uploaded: ${message}`);
        }
      })
      .catch(() => {
        // Aborted because the row was removed: nothing to show.
      })
      .finally(() => aborts.delete(key));
  }

  /** A failed upload, sent again from the file this page still has. */
  function retry(key: string) {
    const index = entries.value.findIndex((e) => e.key === key);
    const current = entries.value[index];
    if (!current?.file || current.status !== 'error') return;
    upload(current.file, index, key);
  }

  /** Another file in the same place (the order is the send order); refused like an added one. */
  function replace(key: string, file: File) {
    const index = entries.value.findIndex((e) => e.key === key);
    const current = entries.value[index];
    if (!current) return;
    const limits = options.limits();
    const refusal = limits ? refusalOf(file, limits, room(limits, current.status === 'error' ? 0 : 1)) : null;
    if (refusal) {
      refusals.value = [refusal];
      options.announce(refusal);
      return;
    }
    aborts.get(key)?.();
    entries.value.splice(index, 1);
    upload(file, index);
    options.announce(`${current.fileName} replaced by ${file.name}.`);
  }

  /** Moves a file to `to` (0-based): files are sent in this order. */
  function move(key: string, to: number) {
    const from = entries.value.findIndex((e) => e.key === key);
    const target = Math.max(0, Math.min(to, entries.value.length - 1));
    if (from < 0 || from === target) return;
    const [moved] = entries.value.splice(from, 1);
    entries.value.splice(target, 0, moved!);
    options.announce(`${moved!.fileName} moved to position ${target + 1} of ${entries.value.length}.`);
  }

  function remove(key: string) {
    const current = entries.value.find((e) => e.key === key);
    aborts.get(key)?.();
    entries.value = entries.value.filter((e) => e.key !== key);
    if (current) options.announce(`${current.fileName} removed.`);
  }

  return {
    entries,
    refusals,
    dismissRefusals: () => (refusals.value = []),
    reset,
    add,
    remove,
    retry,
    replace,
    move,
    attachmentIds: computed(() => entries.value.flatMap((e) => (e.attachment ? [e.attachment.id] : []))),
    uploading: computed(() => entries.value.some((e) => e.status === 'uploading')),
    failed: computed(() => entries.value.some((e) => e.status === 'error')),
  };
}
