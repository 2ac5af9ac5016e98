import { useQuery } from '@urql/vue';
import { AlertsQuery } from '~/components/alerts/alerts.documents';

/**
 * The alert rules' states, polled while a page that shows them is open (the server evaluates
 * them every minute). The interval is `NUXT_PUBLIC_ALERTS_POLL_SECONDS` (default 30).
 */
export function useAlerts() {
  const seconds = Number(useRuntimeConfig().public.alertsPollSeconds) || 30;
  const alerts = useQuery({ query: AlertsQuery, requestPolicy: 'network-only' });
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible') alerts.executeQuery({ requestPolicy: 'network-only' });
  }, seconds * 1000);
  onScopeDispose(() => clearInterval(timer));

  const states = computed(() => alerts.data.value?.alerts ?? []);
  return {
    states,
    firing: computed(() => states.value.filter((a) => a.firing)),
    error: computed(() => apiErrorOf(alerts.error.value)),
    refresh: () => alerts.executeQuery({ requestPolicy: 'network-only' }),
  };
}
