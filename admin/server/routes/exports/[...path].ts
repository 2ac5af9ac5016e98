/**
 * Same-origin /exports/* (the CSV export of the history): forwarded to the API with the
 * browser's Authorization header and query string, streamed back as it is produced.
 */
export default defineEventHandler((event) => proxyToApi(event, event.path));
