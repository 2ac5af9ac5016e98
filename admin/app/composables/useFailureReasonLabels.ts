import { useQuery } from '@urql/vue';
import { graphql } from '~/graphql/tada';

const FailureReasonsQuery = graphql(`
  query FailureReasons {
    failureReasons {
      reason
      label
      description
    }
  }
`);

/**
 * Failure reasons as people read them ("ChatService unavailable" for `5xx`), from the server's
 * one table of them; a reason the server does not list (yet) shows as its code.
 */
export function useFailureReasonLabels() {
  const { permissions } = useSession();
  const canRead = computed(() => permissions.value.includes('HISTORY_READ'));
  const reasons = useQuery({ query: FailureReasonsQuery, pause: computed(() => !canRead.value) });
  const byCode = computed(() => new Map((reasons.data.value?.failureReasons ?? []).map((r) => [r.reason, r])));
  return {
    label: (reason: string) => byCode.value.get(reason)?.label ?? reason,
    description: (reason: string) => byCode.value.get(reason)?.description ?? null,
  };
}
