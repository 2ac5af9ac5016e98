import { nextTick } from 'vue';

const STEP: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

/**
 * For a URadioGroup's `@keydown`: an arrow key moves to the next radio *and checks it* (WAI-ARIA
 * radio group), wrapping at the ends. Reka checks it only if the key is still held a task after its
 * roving focus moved (RadioGroupItem's handleFocus), which a quick tap, a screen reader's
 * synthesized keys or a test's key press miss. Checking whatever had the focus a tick later was
 * not enough either: on a busy machine the focus had not always moved yet. So the radio is chosen
 * here, from the one the key was pressed on, and focused and checked together; Reka's own move
 * lands on the same radio.
 */
export function arrowSelectsRadio(event: KeyboardEvent) {
  const step = STEP[event.key];
  if (!step || event.metaKey || event.ctrlKey || event.altKey) return;
  const group = event.currentTarget as HTMLElement;
  const radios = [...group.querySelectorAll<HTMLElement>('[role="radio"]')].filter((radio) => !radio.hasAttribute('data-disabled'));
  const from = radios.indexOf(event.target as HTMLElement);
  if (from < 0) return;
  const to = radios[(from + step + radios.length) % radios.length]!;
  event.preventDefault();
  void nextTick(() => {
    to.focus();
    if (to.getAttribute('aria-checked') !== 'true') to.click();
  });
}
