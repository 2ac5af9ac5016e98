/** One page of a newest-first list: its rows and the cursor of the next page (null: the last page). */
export interface ListPage<T> {
  nodes: T[];
  next: string | null;
}

/**
 * A list read a page at a time ("Load more"), with its loading and error states. `fetchPage`
 * reads the page after `cursor` (null: the first) and throws an Error whose message a person
 * can read; `reload` starts again from the first page.
 */
export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<ListPage<T>>) {
  const rows = ref<T[]>([]) as Ref<T[]>;
  const next = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const loaded = ref(false);

  async function load(reset: boolean) {
    loading.value = true;
    try {
      const page = await fetchPage(reset ? null : next.value);
      rows.value = reset ? page.nodes : [...rows.value, ...page.nodes];
      next.value = page.next;
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      loading.value = false;
      loaded.value = true;
    }
  }

  return {
    rows,
    loading,
    error,
    /** The first page has been answered (rows or an error): the empty state may show. */
    loaded,
    hasMore: computed(() => next.value !== null),
    reload: () => load(true),
    loadMore: () => load(false),
  };
}
