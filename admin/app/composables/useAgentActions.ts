import { useMutation, useQuery, type OperationResult } from '@urql/vue';
import {
  AgentActionsQuery,
  AgentsQuery,
  AttachmentLimitsQuery,
  DeleteActionMutation,
  SetActionEnabledMutation,
  TrainAgentMutation,
} from '~/components/actions/actions.documents';

/**
 * One agent's Actions library: its actions, the catalog, the training state and the
 * mutations on them. Each mutation answers with the API's error (or null) for the caller
 * to show; the lists are refetched after every change.
 */
export function useAgentActions(agentId: Ref<string>) {
  const agents = useQuery({ query: AgentsQuery });
  const library = useQuery({ query: AgentActionsQuery, variables: computed(() => ({ agentId: agentId.value })) });
  const limits = useQuery({ query: AttachmentLimitsQuery });
  const setEnabledMutation = useMutation(SetActionEnabledMutation);
  const deleteMutation = useMutation(DeleteActionMutation);
  const trainMutation = useMutation(TrainAgentMutation);

  async function refresh() {
    await Promise.all([
      agents.executeQuery({ requestPolicy: 'network-only' }),
      library.executeQuery({ requestPolicy: 'network-only' }),
    ]);
  }

  async function run(operation: Promise<OperationResult>) {
    const result = await operation;
    await refresh();
    return apiErrorOf(result.error);
  }

  const agentsData = useLastLoaded(agents.data);
  const libraryData = useLastLoaded(library.data);
  const loaded = computed(() => !!(agentsData.value && libraryData.value));
  const error = computed(() => apiErrorOf(library.error.value ?? agents.error.value));

  return {
    agents: computed(() => agentsData.value?.agents ?? []),
    agent: computed(() => agentsData.value?.agents.find((a) => a.id === agentId.value) ?? null),
    actions: computed(() => libraryData.value?.actions ?? []),
    catalog: computed(() => libraryData.value?.actionCatalog ?? []),
    limits: computed(() => limits.data.value?.attachmentLimits ?? null),
    loading: computed(() => !loaded.value && (library.fetching.value || agents.fetching.value)),
    /** Nothing loaded, and the last try failed: the page has nothing to show but this. */
    loadError: computed(() => (loaded.value ? null : error.value)),
    /** The list shown is the last one that loaded; refreshing it failed (it stays on screen). */
    refreshError: computed(() => (loaded.value ? error.value : null)),
    refresh,
    setEnabled: (id: string, enabled: boolean) => run(setEnabledMutation.executeMutation({ id, enabled })),
    remove: (id: string) => run(deleteMutation.executeMutation({ id })),
    train: () => run(trainMutation.executeMutation({ agentId: agentId.value })),
  };
}
