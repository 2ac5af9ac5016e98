import crypto from 'node:crypto';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import graphqlUploadExpress from 'graphql-upload/graphqlUploadExpress.mjs';
import type { Viewer } from '../../accounts/viewer.js';
import { MAX_FILE_BYTES, MAX_FILES_PER_ACTION } from '../../files/limits.js';
import { parseSendFilter } from '../../sends/sends.export.js';
import type { Services } from '../container.js';
import { AppError, errorBody, HTTP_STATUS, INTERNAL_ERROR, InputReason } from '../errors.js';
import { fromRequestError, type RequestStage } from './request-errors.js';
import type { GraphQLContext } from '../graphql/context.js';
import { formatError, logUnexpectedErrors } from '../graphql/format-error.js';
import { buildAppSchema } from '../graphql/schema.js';
import type { Logger } from '../log/logger.js';

interface Locals {
  requestId: string;
  viewer: Viewer | null;
}

export interface HttpAppOptions {
  services: Services;
  log: Logger;
  /** Answers /healthz: true once the database, migrations and queue are ready. */
  isReady: () => boolean;
}

const isMultipart = (req: express.Request) => Boolean(req.is('multipart/form-data'));

/**
 * Express app: /healthz and /graphql. Token and CSRF-preflight checks run before
 * graphql-upload, so an anonymous or cross-site multipart body is refused before any
 * byte of it is spooled to disk.
 */
export async function createHttpApp({ services, log, isReady }: HttpAppOptions) {
  const apollo = new ApolloServer<GraphQLContext>({
    schema: await buildAppSchema(),
    formatError,
    plugins: [logUnexpectedErrors(log)],
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

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
    if (!(res.locals as Locals).viewer) {
      res.status(401).json(errorBody(AppError.unauthenticated()));
      return;
    }
    next();
  };

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
  app.get('/exports/sends.csv', identify, async (req, res, next) => {
    try {
      const lines = services.sendsExport.open((res.locals as Locals).viewer, parseSendFilter(req.query));
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="sends-${new Date().toISOString().slice(0, 10)}.csv"`);
      for await (const chunk of lines) {
        if (res.destroyed) return;
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    } catch (error) {
      if (res.headersSent) {
        log.error('export.failed', { requestId: (res.locals as Locals).requestId, error });
        res.destroy();
        return;
      }
      if (error instanceof AppError) {
        res.status(HTTP_STATUS[error.code]).json(errorBody(error));
        return;
      }
      next(error);
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
  app.use(jsonErrors);

  const server = http.createServer(app);
  // Uploads of 75 MB over slow links must not be cut by the default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
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
