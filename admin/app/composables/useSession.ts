import { useQuery } from '@urql/vue';
import { MeQuery } from '~/components/session/session.documents';

const TOKEN_KEY = 'send-attachment-admin.token';

/** The API token of this browser tab's builder; kept in localStorage until sign-out. */
export function readToken(): string | null {
  if (typeof window === 'undefined') return null;
  return window.localStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null) {
  if (token) window.localStorage.setItem(TOKEN_KEY, token);
  else window.localStorage.removeItem(TOKEN_KEY);
}

/**
 * Who is signed in and what they may do. Controls are rendered from `me.permissions`
 * (the server's role matrix), never from a role list kept here.
 */
export function useSession() {
  const me = useQuery({ query: MeQuery });
  const permissions = computed(() => me.data.value?.me.permissions ?? []);
  const canWrite = computed(() => permissions.value.includes('CONFIG_WRITE'));

  /** A new token means a new account and cache: start the app afresh. */
  function signOut(message?: string) {
    storeToken(null);
    const query = message ? `?message=${encodeURIComponent(message)}` : '';
    window.location.assign(`/sign-in${query}`);
  }

  watch(me.error, (error) => {
    const apiError = apiErrorOf(error);
    if (apiError?.code === 'UNAUTHENTICATED') signOut(apiError.message);
  });

  return {
    me: computed(() => me.data.value?.me ?? null),
    fetching: me.fetching,
    error: computed(() => apiErrorOf(me.error.value)),
    retry: () => me.executeQuery({ requestPolicy: 'network-only' }),
    permissions,
    canWrite,
    signOut,
  };
}
