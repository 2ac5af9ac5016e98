/**
 * UTable classes that show each row as a small card below Tailwind's `sm` breakpoint (640 px):
 * a phone gets no sideways scroll, and a row's controls stay on screen. The cards are a grid
 * whose columns the table chooses (`grid`, a literal `max-sm:grid-cols-…` so Tailwind sees it);
 * each column places its cell with `max-sm:` classes in `meta.class.td`. The header row stays
 * for screen readers (sr-only), so every cell is still announced with its column.
 */
export function stackedTableUi(grid: string) {
  return {
    base: 'max-sm:block',
    thead: 'max-sm:sr-only',
    tbody: 'max-sm:block',
    tr: `max-sm:grid max-sm:grid-flow-row-dense max-sm:items-center max-sm:gap-x-3 max-sm:gap-y-1 max-sm:px-4 max-sm:py-3 ${grid}`,
    td: 'max-sm:col-span-full max-sm:p-0 max-sm:whitespace-normal',
  };
}
