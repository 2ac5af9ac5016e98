import urql, { Client, cacheExchange, fetchExchange } from '@urql/vue';

/**
 * One urql client for the app. The token is read on every request; signing in or out
 * reloads the app, so a cached result never outlives the token that fetched it.
 */
export default defineNuxtPlugin((nuxtApp) => {
  const client = new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    requestPolicy: 'cache-and-network',
    // urql would send queries as GET, which Apollo's CSRF prevention refuses without a preflight header.
    preferGetMethod: false,
    fetchOptions: (): RequestInit => {
      const token = readToken();
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      return { headers };
    },
  });
  nuxtApp.vueApp.use(urql, client);
  return { provide: { urql: client } };
});
