import { fileTypeFromStream, type FileTypeResult } from 'file-type';

/**
 * Runs file-type over an upload while the upload streams past on its way to storage.
 *
 * file-type pulls: it reads as far as the format needs (a few bytes for most; for a ZIP it walks
 * the local file headers and reads `[Content_Types].xml`, wherever it sits, so OOXML is decided
 * without the central directory at the end of the file). `push` hands it each chunk as the
 * upload delivers it and waits until file-type has used the chunk, so the two never drift apart,
 * memory stays at one chunk, and `detected` is current after every push.
 */
export class FileTypeFeed {
  /** file-type's answer once it has decided; `undefined` before, or when nothing matched. */
  detected: FileTypeResult | undefined;
  settled = false;
  private readonly result: Promise<void>;
  private cancelled = false;
  private take?: (chunk: Uint8Array | undefined) => void;
  private wake?: () => void;
  private fail?: (error: Error) => void;

  constructor() {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.fail = (error) => controller.error(error);
        },
        pull: (controller) =>
          new Promise<void>((resolve) => {
            this.take = (chunk) => {
              this.take = undefined;
              if (chunk) controller.enqueue(chunk);
              else controller.close();
              resolve();
            };
            this.wake?.();
          }),
        // file-type has decided and let go of the stream (it may do so with a read still pending).
        cancel: () => {
          this.cancelled = true;
          this.take = undefined;
          this.wake?.();
        },
      },
      { highWaterMark: 0 },
    );
    this.result = fileTypeFromStream(stream).then(
      (detected) => {
        this.detected = detected;
      },
      // A hostile or cut-off file can make a detector throw; that only means "not recognised",
      // which the caller refuses with TYPE_MISMATCH like any unknown content.
      () => undefined,
    ).finally(() => {
      this.settled = true;
      this.wake?.();
    });
  }

  /**
   * Hands file-type the next chunk (`undefined`: the file ended) and resolves once file-type has
   * used it: it asks for more, or it has decided.
   */
  async push(chunk: Uint8Array | undefined): Promise<void> {
    await this.ready();
    if (!this.take || this.settled) return; // decided, or no longer reading
    this.take(chunk);
    await this.ready();
  }

  private async ready(): Promise<void> {
    while (!this.settled && !this.take && !this.cancelled) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
  }

  /** Ends the input (if not ended yet) and waits for file-type's answer. */
  async finish(): Promise<FileTypeResult | undefined> {
    if (!this.settled) await this.push(undefined);
    await this.result;
    return this.detected;
  }

  /** Stops file-type when the upload is abandoned, so nothing waits on a chunk that never comes. */
  abandon(): void {
    if (!this.settled && !this.cancelled) this.fail?.(new Error('upload abandoned'));
  }
}
