import type http from 'node:http';
import type { Config } from '../config/config.js';

/** How often Node looks for requests past HTTP_REQUEST_TIMEOUT_SECONDS (its default is 30 s). */
export const SOCKET_CHECK_INTERVAL_MS = 1000;

/**
 * A request body that stops arriving is cut off, so a client cannot hold a connection (and a
 * spooled upload) open forever:
 * - idle: no byte in either direction for HTTP_IDLE_TIMEOUT_SECONDS (default 30 s) closes the
 *   socket; a slow but moving upload never trips it;
 * - total: a request whose body has not fully arrived after HTTP_REQUEST_TIMEOUT_SECONDS
 *   (default 900 s: 75 MB at 0.7 Mbit/s, a poor mobile uplink) is answered 408 and closed.
 * Headers must arrive within 60 s, or the total when that is shorter.
 *
 * A kept-alive connection between requests is idle too, and is closed after the same
 * HTTP_IDLE_TIMEOUT_SECONDS, not Node's 5 s: a client (or a load balancer, whose idle timeout
 * is typically 60 s) that reuses a connection the server has just closed gets ECONNRESET on
 * a request it cannot safely retry. A client whose event loop was busy for a few seconds (one
 * building a 75 MB body) hit exactly that. Clients should close idle connections first.
 */
export function applyTimeouts(server: http.Server, config: Readonly<Config>): void {
  const totalMs = config.httpRequestTimeoutSeconds * 1000;
  server.requestTimeout = totalMs;
  server.headersTimeout = Math.min(60_000, totalMs);
  server.timeout = config.httpIdleTimeoutSeconds * 1000;
  server.keepAliveTimeout = config.httpIdleTimeoutSeconds * 1000;
}
