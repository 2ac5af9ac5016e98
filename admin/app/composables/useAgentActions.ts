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

  return {
    agents: computed(() => agents.data.value?.agents ?? []),
    agent: computed(() => agents.data.value?.agents.find((a) => a.id === agentId.value) ?? null),
    actions: computed(() => library.data.value?.actions ?? []),
    catalog: computed(() => library.data.value?.actionCatalog ?? []),
    limits: computed(() => limits.data.value?.attachmentLimits ?? null),
    loading: computed(() => (library.fetching.value && !library.data.value) || (agents.fetching.value && !agents.data.value)),
    loadError: computed(() => apiErrorOf(library.error.value ?? agents.error.value)),
    refresh,
    setEnabled: (id: string, enabled: boolean) => run(setEnabledMutation.executeMutation({ id, enabled })),
    remove: (id: string) => run(deleteMutation.executeMutation({ id })),
    train: () => run(trainMutation.executeMutation({ agentId: agentId.value })),
  };
}
