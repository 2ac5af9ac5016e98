/**
 * Same-origin /attachments/<id>/content (a pinned file, for download and image thumbnails):
 * forwarded to the API with the browser's Authorization header, streamed back.
 */
export default defineEventHandler((event) => proxyToApi(event, event.path));
