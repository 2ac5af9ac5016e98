import type { H3Event } from 'h3';

/**
 * Forwards the request to the API. When the API cannot be reached the answer is still a
 * GraphQL error body (502), so every page shows why instead of a bare "Bad Gateway".
 */
export async function proxyToApi(event: H3Event, path: string, options: { streamRequest?: boolean } = {}) {
  const { apiUrl } = useRuntimeConfig(event);
  try {
    return await proxyRequest(event, `${apiUrl}${path}`, options);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 502) throw error;
    setResponseStatus(event, 502);
    return {
      errors: [
        {
          message: 'The admin cannot reach the Send Attachment API right now. Try again in a moment; if this persists, the API server is down.',
          extensions: { code: 'API_UNREACHABLE' },
        },
      ],
    };
  }
}
