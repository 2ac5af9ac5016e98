import type { Limits } from '~/components/actions/actions.documents';

const count = new Intl.NumberFormat('en');

export type TextField = 'name' | 'trigger' | 'contentMessage';

/** How a length refusal made in the browser names its field (only while uploads block the save). */
const FIELD_LABELS: Record<TextField, string> = {
  name: 'Action name',
  trigger: 'When and how to trigger this action',
  contentMessage: 'A manual content message',
};

/**
 * The drawer's text fields and their character counters, against the server's limits
 * (`attachmentLimits.fields`). Nothing is cut: a longer paste stays, the counter says how far
 * over it is, and the save is refused with the reason.
 */
export function useActionForm(limits: () => Limits) {
  const form = reactive({ name: '', trigger: '', contentMode: 'AI' as 'AI' | 'MANUAL', contentMessage: '', linkFallback: false });
  const maxChars = computed<Record<TextField, number>>(() => ({
    name: limits().fields.nameMaxChars,
    trigger: limits().fields.triggerMaxChars,
    contentMessage: limits().fields.contentMessageMaxChars,
  }));
  const counters = computed<Record<TextField, string>>(() => ({
    name: charCountText(form.name, maxChars.value.name),
    trigger: charCountText(form.trigger, maxChars.value.trigger),
    contentMessage: charCountText(form.contentMessage, maxChars.value.contentMessage),
  }));
  const over = (field: TextField) => countChars(form[field]) > maxChars.value[field];

  /** The fields over their limit, worded as the server words them, for when it is not asked. */
  function lengthProblems(): Partial<Record<TextField, string>> {
    const fields: TextField[] = form.contentMode === 'MANUAL' ? ['name', 'trigger', 'contentMessage'] : ['name', 'trigger'];
    return Object.fromEntries(
      fields
        .filter(over)
        .map((field) => [field, `${FIELD_LABELS[field]} must be at most ${count.format(maxChars.value[field])} characters (it has ${count.format(countChars(form[field]))}).`]),
    );
  }

  return { form, counters, over, lengthProblems };
}
