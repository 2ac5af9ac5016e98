import { ContentMode } from './actions.model.js';
import { AppError, InputReason, type FieldError } from '../infra/errors.js';
import { FIELD_LIMITS, MAX_FILES_PER_ACTION } from '../files/limits.js';
import type { ActionFields } from './actions.repository.js';

export interface SaveActionFields {
  name: string;
  trigger: string;
  contentMode: ContentMode;
  contentMessage?: string | null;
  enabled?: boolean | null;
  linkFallback?: boolean | null;
}

const chars = (s: string) => Array.from(s).length;
const count = new Intl.NumberFormat('en');

/** One refused field of a save: the GraphQL error lists every one (`extensions.fieldErrors`). */
export type FieldProblem = FieldError;

/** Blank (only white space) counts as missing; the text is otherwise stored exactly as typed. */
function required(field: string, value: string, max: number, missing: InputReason, label: string): FieldProblem | null {
  if (!value.trim()) return { field, reason: missing, message: `${label} is required.` };
  if (chars(value) > max) {
    return {
      field,
      reason: InputReason.TOO_LONG,
      message: `${label} must be at most ${count.format(max)} characters (it has ${count.format(chars(value))}).`,
    };
  }
  return null;
}

/** Every problem of the fields, in the form's order, so the builder sees them all at once. */
export function actionFieldProblems(input: SaveActionFields): FieldProblem[] {
  return [
    required('name', input.name, FIELD_LIMITS.nameMaxChars, InputReason.NAME_REQUIRED, 'Action name'),
    required('trigger', input.trigger, FIELD_LIMITS.triggerMaxChars, InputReason.TRIGGER_REQUIRED, 'When and how to trigger this action'),
    input.contentMode === ContentMode.MANUAL
      ? required(
          'contentMessage',
          input.contentMessage ?? '',
          FIELD_LIMITS.contentMessageMaxChars,
          InputReason.CAPTION_REQUIRED,
          'A manual content message',
        )
      : null,
  ].filter((p): p is FieldProblem => p !== null);
}

/** The values to store (call after `actionFieldProblems` found none). */
export function actionFieldsOf(input: SaveActionFields): ActionFields {
  return {
    name: input.name,
    trigger: input.trigger,
    contentMode: input.contentMode,
    contentMessage: input.contentMode === ContentMode.MANUAL ? (input.contentMessage ?? '') : null,
    // enabled: undefined keeps the stored value on update (and the default, true, on create).
    enabled: input.enabled ?? undefined,
    // Likewise: undefined keeps the stored choice (off on create).
    linkFallback: input.linkFallback ?? undefined,
  };
}

/** 1 to 10 files in all, counting kept attachments and new inline uploads. */
export function fileCountProblem(attachmentIds: string[], inlineFiles: number): FieldProblem | null {
  if (new Set(attachmentIds).size !== attachmentIds.length) {
    return { field: 'attachmentIds', reason: InputReason.INVALID_VALUE, message: 'The same attachment is listed twice.' };
  }
  const total = attachmentIds.length + inlineFiles;
  if (total === 0) {
    return { field: 'attachmentIds', reason: InputReason.ATTACHMENT_REQUIRED, message: 'Please add at least one attachment.' };
  }
  if (total > MAX_FILES_PER_ACTION) {
    return {
      field: 'attachmentIds',
      reason: InputReason.TOO_MANY_FILES,
      message: `An action can hold at most ${MAX_FILES_PER_ACTION} files (this save has ${total}).`,
    };
  }
  return null;
}

/** One refusal naming every problem: the first as `field`/`reason`/message, all in `fieldErrors`. */
export function refuseFields(problems: FieldProblem[]): AppError {
  const [first] = problems;
  return AppError.badInput(first!.field, first!.reason, first!.message, problems);
}
