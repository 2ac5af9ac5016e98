/**
 * For a UModal's or USlideover's `content.onCloseAutoFocus`: the dialog gives the focus to the
 * element `target` names when it closes, rather than to the one that opened it, which may be
 * gone by then (a deleted row's button, an empty state replaced by the list). With no target,
 * or one no longer in the page, Reka's own return stands.
 */
export function returnFocusTo(target: () => HTMLElement | null | undefined) {
  return (event: Event) => {
    const element = target();
    if (!element?.isConnected) return;
    event.preventDefault();
    element.focus();
  };
}
