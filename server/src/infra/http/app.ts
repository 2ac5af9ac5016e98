import crypto from 'node:crypto';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import graphqlUploadExpress from 'graphql-upload/graphqlUploadExpress.mjs';
import { can, Permission } from '../../accounts/roles.js';
import type { Viewer } from '../../accounts/viewer.js';
import { MAX_FILE_BYTES, MAX_FILES_PER_ACTION } from '../../files/limits.js';
import { DOWNLOAD_PATH } from '../../sends/download-links.js';
import type { Config } from '../config/config.js';
import type { Services } from '../container.js';
import { AppError, errorBody, HTTP_STATUS, INTERNAL_ERROR, InputReason } from '../errors.js';
import { fromRequestError, type RequestStage } from './request-errors.js';
import type { GraphQLContext } from '../graphql/context.js';
import { formatError, logUnexpectedErrors } from '../graphql/format-error.js';
import { operationGuard } from '../graphql/operation-guard.js';
import { limitValidationRules } from '../graphql/operation-limits.js';
import { buildAppSchema } from '../graphql/schema.js';
import type { Logger } from '../log/logger.js';
import { answerClientErrorsAsJson, securityHeaders, unknownPath } from './responses.js';
import { chargeRequest, type RequestBudget } from './request-budget.js';
import { applyTimeouts, SOCKET_CHECK_INTERVAL_MS } from './timeouts.js';

interface Locals {
  requestId: string;
  viewer: Viewer | null;
}

export interface HttpAppOptions {
  services: Services;
  config: Readonly<Config>;
  budget: RequestBudget;
  log: Logger;
  /** Answers /healthz: true once the database, migrations and queue are ready. */
  isReady: () => boolean;
}

const isMultipart = (req: express.Request) => Boolean(req.is('multipart/form-data'));

/**
 * Express app: /healthz, /graphql, /exports/sends.csv and the download links (/d/…). The token check, the request budget
 * and the multipart guard run before graphql-upload, so an anonymous, over-budget, cross-site
 * or not-allowed-to-upload multipart body is refused before any byte of it is spooled to disk.
 */
export async function createHttpApp({ services, config, budget, log, isReady }: HttpAppOptions) {
  const schema = await buildAppSchema();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    plugins: [logUnexpectedErrors(log), operationGuard({ schema, limits: config.graphqlLimits, introspection: config.introspection, budget })],
    // The operation guard decides per request (signed in, GRAPHQL_INTROSPECTION).
    introspection: true,
    parseOptions: { maxTokens: config.graphqlLimits.maxTokens },
    validationRules: limitValidationRules(config.graphqlLimits),
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders);

  app.get('/healthz', (_req, res) => {
    if (isReady()) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'starting' });
  });

  const identify: RequestHandler = async (req, res, next) => {
    const locals = res.locals as Locals;
    locals.requestId = crypto.randomUUID();
    res.setHeader('x-request-id', locals.requestId);
    try {
      locals.viewer = await services.accounts.authenticate(req.get('authorization'));
      next();
    } catch (error) {
      next(error);
    }
  };

  const guardMultipart: RequestHandler = (req, res, next) => {
    if (!isMultipart(req)) return next();
    // Without a boundary busboy throws before reading a byte, and graphql-upload then holds its
    // error answer until the body has been read, which nobody does: the request hung forever
    // (found by the fuzzer, test/reliability/hostile-input.test.ts).
    if (!/;\s*boundary=/i.test(req.get('content-type') ?? '')) {
      res.status(400).json(errorBody(AppError.badInput('body', InputReason.MALFORMED_REQUEST, 'A multipart request needs a boundary.')));
      return;
    }
    if (!req.get('apollo-require-preflight') && !req.get('x-apollo-operation-name')) {
      res.status(400).json(
        errorBody(
          AppError.badInput(
            'headers',
            InputReason.MALFORMED_REQUEST,
            'File uploads need the "apollo-require-preflight: true" header (CSRF protection).',
          ),
        ),
      );
      return;
    }
    const { viewer } = res.locals as Locals;
    if (!viewer) {
      res.status(401).json(errorBody(AppError.unauthenticated()));
      return;
    }
    // Only roles that may upload get to send a body of files (a VIEWER's 75 MB is not spooled).
    if (!can(viewer.role, Permission.CONFIG_WRITE)) {
      res.status(403).json(errorBody(AppError.forbidden(`The ${viewer.role} role cannot upload files (needs ${Permission.CONFIG_WRITE}).`)));
      return;
    }
    next();
  };
  const charge = chargeRequest(budget, log, (res) => (res.locals as Locals).viewer);

  // One byte over the cap lets FilesService tell "too large" from "exactly 75 MB".
  const uploads = graphqlUploadExpress({ maxFileSize: MAX_FILE_BYTES + 1, maxFiles: MAX_FILES_PER_ACTION, maxFieldSize: 1_000_000 });
  /** Parser errors (busboy's "Malformed part header", …) carry no HTTP status: they are the client's. */
  const parseMultipart: RequestHandler = (req, res, next) =>
    uploads(req, res, (error?: unknown) => {
      if (error) {
        const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 400;
        Object.assign(error as object, { status, stage: 'multipart' satisfies RequestStage });
      }
      next(error);
    });

  app.use(
    '/graphql',
    identify,
    charge,
    guardMultipart,
    express.json({ limit: '1mb' }),
    parseMultipart,
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const locals = res.locals as Locals;
        return { requestId: locals.requestId, viewer: locals.viewer, services };
      },
    }),
  );

  /** CSV of the send history with the filters of `sends`, streamed with backpressure. */
  app.get('/exports/sends.csv', identify, charge, async (req, res, next) => {
    try {
      const lines = await services.sendsExport.open((res.locals as Locals).viewer, req.query);
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="sends-${new Date().toISOString().slice(0, 10)}.csv"`);
      for await (const chunk of lines) {
        if (res.destroyed) return;
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    } catch (error) {
      endStream(res, next, error, () => log.error('export.failed', { requestId: (res.locals as Locals).requestId, error }));
    }
  });

  /**
   * One of the account's files for the admin (download, thumbnails), with the bearer token. It
   * always downloads (attachment, nosniff, a sandboxing CSP), never renders on the API's origin.
   */
  app.get('/attachments/:id/content', identify, charge, async (req, res, next) => {
    try {
      const file = await services.files.content((res.locals as Locals).viewer, String(req.params.id));
      res.attachment(file.fileName);
      res.setHeader('content-type', file.mimeType);
      res.setHeader('content-length', String(file.sizeBytes));
      res.setHeader('cache-control', 'private, no-store');
      res.setHeader('content-security-policy', "sandbox; default-src 'none'");
      await pipeline(file.open(), res);
    } catch (error) {
      endStream(res, next, error, () => log.warn('attachment.download_interrupted', { error }));
    }
  });

  /**
   * The link fallback's downloads (docs/link-fallback.md): for a customer's browser, not an API
   * client, so refusals are a plain sentence; the file always downloads (attachment, nosniff).
   */
  app.get(`${DOWNLOAD_PATH}/:token`, async (req, res, next) => {
    try {
      const download = await services.downloads.open(String(req.params.token));
      res.setHeader('cache-control', 'private, no-store');
      res.setHeader('x-robots-tag', 'noindex');
      if (download.kind !== 'file') {
        const expired = download.kind === 'expired';
        res.status(expired ? 410 : 404).type('text/plain; charset=utf-8');
        res.send(
          expired
            ? 'This download link has expired. Ask for the file again in the chat.\n'
            : 'This download link is not valid, or the file is no longer available.\n',
        );
        return;
      }
      // Express's attachment() writes Content-Disposition (RFC 6266, the UTF-8 name too); the type is the one stored.
      res.attachment(download.fileName);
      res.setHeader('content-type', download.mimeType);
      res.setHeader('content-length', String(download.sizeBytes));
      if (req.method === 'HEAD') return void res.end();
      await pipeline(download.open(), res);
    } catch (error) {
      endStream(res, next, error, () => log.warn('download.interrupted', { error }));
    }
  });

  /** Body and multipart errors answer as GraphQL JSON, never Express's HTML page. */
  const jsonErrors: ErrorRequestHandler = (error, req, res, _next) => {
    // graphql-upload sends nothing until the request body has ended: read the rest and drop it.
    if (!req.complete) req.resume();
    const refused = error instanceof AppError ? { error, status: HTTP_STATUS[error.code] } : fromRequestError(error ?? {}, error?.stage ?? 'json');
    if (!refused) {
      log.error('http.internal_error', { requestId: (res.locals as Locals).requestId, path: req.path, error });
      if (!res.headersSent) res.status(500).json({ errors: [INTERNAL_ERROR] });
      return;
    }
    if (res.headersSent) return;
    res.status(refused.status).json(errorBody(refused.error));
  };
  app.use(unknownPath);
  app.use(jsonErrors);

  const server = http.createServer({ connectionsCheckingInterval: SOCKET_CHECK_INTERVAL_MS }, app);
  applyTimeouts(server, config);
  answerClientErrorsAsJson(server);
  return {
    server,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await apollo.stop();
    },
  };
}

/**
 * A streamed answer (CSV, a file) that failed. Before its first byte the error handler
 * (`jsonErrors`) answers it, as any route's error; after, the response is cut, so the client
 * sees a broken download rather than a complete-looking wrong one, and `logCut` says why.
 */
function endStream(res: express.Response, next: express.NextFunction, error: unknown, logCut: () => void): void {
  if (!res.headersSent) return next(error);
  logCut();
  res.destroy();
}
