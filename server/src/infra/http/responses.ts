import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestHandler } from 'express';
import { AppError, ErrorCode, errorBody, InputReason } from '../errors.js';

/**
 * Headers on every API answer. The API serves only JSON and CSV, never a page: nothing may
 * sniff a type, frame it, or run anything from it.
 */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('referrer-policy', 'no-referrer');
  next();
};

/** Any path the app does not serve: the same JSON error shape as every other refusal. */
export const unknownPath: RequestHandler = (req, res) => {
  res.status(404).json(errorBody(new AppError(ErrorCode.NOT_FOUND, `${req.method} ${req.path.slice(0, 200)} was not found.`)));
};

/** What Node's HTTP parser refuses before Express sees the request, in words for the client. */
const CLIENT_ERRORS: Record<string, { status: number; field: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, field: 'headers', message: 'The request headers (or its URL) are too large.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, field: 'body', message: 'The request took too long to arrive (HTTP_REQUEST_TIMEOUT_SECONDS).' },
  ERR_HTTP_HEADERS_TIMEOUT: { status: 408, field: 'headers', message: 'The request headers took too long to arrive.' },
};

/**
 * Node answers what its parser refuses (a URL over 16 KB, a malformed request line, a request
 * past HTTP_REQUEST_TIMEOUT_SECONDS) with a bare status line; this answers the same JSON shape
 * as every other refusal instead. A socket that is gone or mid-answer is simply closed.
 */
export function answerClientErrorsAsJson(server: http.Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node's own handler: no answer on a socket that is gone or has begun answering a request
    // (`_httpMessage` is the response in flight on it, what Node itself looks at).
    const inFlight = (socket as { _httpMessage?: http.ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const known = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, field: 'request', message: 'The request could not be parsed as HTTP.' };
    const body = JSON.stringify(errorBody(AppError.badInput(known.field, InputReason.MALFORMED_REQUEST, known.message)));
    socket.end(
      `HTTP/1.1 ${known.status} ${http.STATUS_CODES[known.status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
