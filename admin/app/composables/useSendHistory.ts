import { useClientHandle, useQuery } from '@urql/vue';
import { SendsQuery, type SendRow } from '~/components/history/history.documents';

const PAGE_SIZE = 25;

/**
 * The send history for the filter in the page's URL: the first page follows the filter, "Load
 * more" appends the next page by cursor. A new filter starts again from the first page.
 */
export function useSendHistory() {
  const route = useRoute();
  const router = useRouter();
  const client = useClientHandle().client;

  // The drill-down's "Back" returns to this filter.
  const lastPath = useState<string>('history-last-path', () => '/history');
  watch(() => route.fullPath, (path) => (lastPath.value = path), { immediate: true });

  const filter = computed(() => filterFromQuery(route.query as Record<string, string>));
  const variables = computed(() => ({ filter: toSendFilter(filter.value), first: PAGE_SIZE }));
  const first = useQuery({ query: SendsQuery, variables, requestPolicy: 'network-only' });

  const more = ref<SendRow[]>([]);
  const moreCursor = ref<string | null>(null);
  const moreHasNext = ref<boolean | null>(null);
  const loadingMore = ref(false);
  const moreError = ref<string | null>(null);
  watch(variables, () => {
    more.value = [];
    moreCursor.value = null;
    moreHasNext.value = null;
    moreError.value = null;
  });

  const page = computed(() => first.data.value?.sends ?? null);
  const rows = computed(() => [...(page.value?.edges.map((e) => e.node) ?? []), ...more.value]);
  const hasNext = computed(() => moreHasNext.value ?? page.value?.pageInfo.hasNextPage ?? false);

  async function loadMore() {
    const after = moreCursor.value ?? page.value?.pageInfo.endCursor;
    if (!after) return;
    loadingMore.value = true;
    moreError.value = null;
    const result = await client.query(SendsQuery, { ...variables.value, after, withCount: false }, { requestPolicy: 'network-only' }).toPromise();
    loadingMore.value = false;
    if (result.error || !result.data) {
      moreError.value = apiErrorOf(result.error)?.message ?? NETWORK_ERROR.message;
      return;
    }
    more.value = [...more.value, ...result.data.sends.edges.map((e) => e.node)];
    moreCursor.value = result.data.sends.pageInfo.endCursor;
    moreHasNext.value = result.data.sends.pageInfo.hasNextPage;
  }

  /** Replaces the filter (the URL keeps it, so back, reload and links work). */
  function setFilter(next: HistoryFilter) {
    void router.replace({ path: route.path, query: filterToQuery(next) });
  }

  return {
    filter,
    setFilter,
    rows,
    totalCount: computed(() => page.value?.totalCount ?? null),
    hasNext,
    loading: first.fetching,
    error: computed(() => apiErrorOf(first.error.value)),
    loadingMore,
    moreError,
    loadMore,
    reload: () => {
      first.executeQuery({ requestPolicy: 'network-only' });
    },
  };
}
