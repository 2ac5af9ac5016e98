/**
 * Channel fit: which of the channels a send can go out on cannot carry a pinned file. The
 * server says it per file (`Attachment.channels`, from its channel table); this decides which
 * of those refusals deserve a warning, and words them, for the drawer, Save and the library.
 */

interface ChannelSupport {
  channel: string;
  label: string;
  supported: boolean;
  reason: string | null;
}

/** A channel that carries attachments but not this file, with the server's reason. */
export interface Misfit {
  channel: string;
  label: string;
  reason: string;
}

/**
 * The channels that count: every channel that carries attachments at all. An account has no
 * list of its own channels here (a conversation's channel is only learnt at send time), so all
 * of them count; one that carries no file (Instagram) refuses every file alike, which says
 * nothing about this one, so it is left to its chip.
 */
export function carriersOf(limits: { channels: readonly { channel: string; supportsAttachments: boolean }[] } | null | undefined) {
  return new Set((limits?.channels ?? []).filter((c) => c.supportsAttachments).map((c) => c.channel));
}

export function misfitsOf(file: { channels: readonly ChannelSupport[] }, carriers: ReadonlySet<string>): Misfit[] {
  return file.channels.flatMap((c) =>
    !c.supported && carriers.has(c.channel) ? [{ channel: c.channel, label: c.label, reason: c.reason ?? `${c.label} cannot carry it` }] : [],
  );
}

/** The pinned files that some counted channel cannot carry, in their order. */
export function actionMisfits<F extends { fileName: string; channels: readonly ChannelSupport[] }>(files: readonly F[], carriers: ReadonlySet<string>) {
  return files.flatMap((file) => {
    const misfits = misfitsOf(file, carriers);
    return misfits.length ? [{ fileName: file.fileName, misfits }] : [];
  });
}

/** "WhatsApp", "WhatsApp and LINE", "WhatsApp, LINE and Email". */
export function listLabels(labels: readonly string[]): string {
  if (labels.length <= 1) return labels[0] ?? '';
  return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

/** The distinct channel labels of some misfits, in the server's channel order. */
export function misfitChannels(misfits: readonly Misfit[]): string[] {
  return [...new Set(misfits.map((m) => m.label))];
}

/** "price-list.pdf: not on LINE and Tokopedia Chat", for the save notice and the library. */
export function misfitLine(file: { fileName: string; misfits: readonly Misfit[] }): string {
  return `${file.fileName}: not on ${listLabels(misfitChannels(file.misfits))}`;
}

/**
 * What happens on such a channel: the pre-send guard checks every pinned file before any is
 * sent, and fails the send unless the action sends a download link instead (its link fallback).
 */
export function misfitConsequence(linkFallback: boolean): string {
  return linkFallback
    ? 'Customers on those channels get a download link to this file instead; the other files go as files.'
    : "Customers on those channels get none of this action's files: the send fails before any is delivered.";
}
