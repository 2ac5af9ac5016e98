/**
 * Same-origin /graphql: forwards every request (JSON and multipart uploads, streamed) to the
 * API, so the browser needs no CORS and Apollo's CSRF rules see an ordinary client.
 */
export default defineEventHandler((event) => {
  const { apiUrl } = useRuntimeConfig(event);
  return proxyRequest(event, `${apiUrl}/graphql`, { streamRequest: true });
});
