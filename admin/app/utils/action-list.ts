/**
 * The Actions library's search and sort. The library loads an agent's actions whole (`actions`
 * has no pages, and an agent holds at most `maxToolsPerAgent` enabled ones), so both run here.
 */
export type ActionSort = 'name' | 'updated' | 'usage';

export const ACTION_SORTS: { value: ActionSort; label: string }[] = [
  { value: 'name', label: 'Name (A–Z)' },
  { value: 'updated', label: 'Recently updated' },
  { value: 'usage', label: 'Most used' },
];

interface Listed {
  name: string;
  trigger: string;
  updatedAt: string;
  usage: { sent: number; failed: number };
}

const byName = (a: Listed, b: Listed) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true });
const ORDER: Record<ActionSort, (a: Listed, b: Listed) => number> = {
  name: byName,
  updated: (a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || byName(a, b),
  // Used: the sends that finished, delivered or not (what the usage column counts).
  usage: (a, b) => b.usage.sent + b.usage.failed - (a.usage.sent + a.usage.failed) || byName(a, b),
};

/** The actions whose name or trigger contains `query` (any case), in `sort`'s order. */
export function findActions<T extends Listed>(actions: readonly T[], query: string, sort: ActionSort): T[] {
  const needle = query.trim().toLocaleLowerCase();
  const found = needle
    ? actions.filter((a) => a.name.toLocaleLowerCase().includes(needle) || a.trigger.toLocaleLowerCase().includes(needle))
    : [...actions];
  return found.sort(ORDER[sort]);
}
