import type { RequestHandler } from 'express';
import { AppError, ErrorCode, errorBody } from '../errors.js';

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
