/**
 * Same-origin /graphql: forwards every request (JSON and multipart uploads, streamed) to the
 * API, so the browser needs no CORS and Apollo's CSRF rules see an ordinary client.
 */
export default defineEventHandler((event) => proxyToApi(event, '/graphql', { streamRequest: true }));
