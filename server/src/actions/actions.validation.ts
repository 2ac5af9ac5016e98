import { ContentMode } from './actions.model.js';
import { AppError, InputReason } from '../infra/errors.js';
import { FIELD_LIMITS, MAX_FILES_PER_ACTION } from '../files/limits.js';
import type { ActionFields } from './actions.repository.js';

export interface SaveActionFields {
  name: string;
  trigger: string;
  contentMode: ContentMode;
  contentMessage?: string | null;
  enabled?: boolean | null;
}

const chars = (s: string) => Array.from(s).length;

/** Blank (only white space) counts as missing; the text is otherwise stored exactly as typed. */
function required(field: string, value: string, max: number, missing: InputReason, label: string): string {
  if (!value.trim()) throw AppError.badInput(field, missing, `${label} is required.`);
  if (chars(value) > max) {
    throw AppError.badInput(field, InputReason.TOO_LONG, `${label} must be at most ${max} characters.`);
  }
  return value;
}

/** The rules of SPEC section 3, in one place; returns the values to store. */
export function validateActionFields(input: SaveActionFields): ActionFields {
  const name = required('name', input.name, FIELD_LIMITS.nameMaxChars, InputReason.NAME_REQUIRED, 'Action name');
  const trigger = required(
    'trigger',
    input.trigger,
    FIELD_LIMITS.triggerMaxChars,
    InputReason.TRIGGER_REQUIRED,
    'When and how to trigger this action',
  );
  const contentMessage =
    input.contentMode === ContentMode.MANUAL
      ? required(
          'contentMessage',
          input.contentMessage ?? '',
          FIELD_LIMITS.contentMessageMaxChars,
          InputReason.CAPTION_REQUIRED,
          'A manual content message',
        )
      : null;
  // enabled: undefined keeps the stored value on update (and the default, true, on create).
  return { name, trigger, contentMode: input.contentMode, contentMessage, enabled: input.enabled ?? undefined };
}

/** 1 to 10 files in all, counting kept attachments and new inline uploads. */
export function validateFileCount(attachmentIds: string[], inlineFiles: number): void {
  if (new Set(attachmentIds).size !== attachmentIds.length) {
    throw AppError.badInput('attachmentIds', InputReason.INVALID_VALUE, 'The same attachment is listed twice.');
  }
  const total = attachmentIds.length + inlineFiles;
  if (total === 0) {
    throw AppError.badInput('attachmentIds', InputReason.ATTACHMENT_REQUIRED, 'Please add at least one attachment.');
  }
  if (total > MAX_FILES_PER_ACTION) {
    throw AppError.badInput(
      'attachmentIds',
      InputReason.TOO_MANY_FILES,
      `An action can hold at most ${MAX_FILES_PER_ACTION} files (this save has ${total}).`,
    );
  }
}
