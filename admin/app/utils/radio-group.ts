import { nextTick } from 'vue';

const ARROWS = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'];

/**
 * For a URadioGroup's `@keydown`: an arrow key moves to the next radio *and checks it* (WAI-ARIA
 * radio group). Reka checks it only if the key is still held a task after the focus moved
 * (RadioGroupItem's handleFocus), which a quick tap, a screen reader's synthesized keys or a
 * test's key press miss: focus moved, nothing selected. This checks the focused radio once Reka's
 * roving focus has moved it (Reka moves it on its own nextTick, queued before this one).
 */
export function checkFocusedRadio(event: KeyboardEvent) {
  if (!ARROWS.includes(event.key)) return;
  const group = event.currentTarget as HTMLElement;
  void nextTick(() => {
    const radio = document.activeElement;
    if (radio instanceof HTMLElement && group.contains(radio) && radio.getAttribute('role') === 'radio' && radio.getAttribute('aria-checked') !== 'true') {
      radio.click();
    }
  });
}
