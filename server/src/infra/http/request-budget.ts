import type { RequestHandler } from 'express';
import { RateLimiterDrizzle, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { Role } from '../../accounts/roles.js';
import type { Viewer } from '../../accounts/viewer.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/db.js';
import { rateLimits } from '../db/schema.js';
import { AppError, errorBody } from '../errors.js';
import type { Logger } from '../log/logger.js';

/**
 * Each account has two budgets, so a builder's dashboard refreshes can never starve the AI
 * service's sends (and an agent in a loop cannot lock the builders out): the AI_SERVICE role's
 * requests draw on one, every other role's on the other. The role is known from the token, so
 * a request is charged before its body is read.
 */
export enum BudgetName {
  AI_SERVICE = 'ai_service',
  CONSOLE = 'console',
}

export function budgetOf(viewer: Viewer): BudgetName {
  return viewer.role === Role.AI_SERVICE ? BudgetName.AI_SERVICE : BudgetName.CONSOLE;
}

/**
 * A GraphQL operation is charged 1 point when its request arrives and, once its cost is known
 * (operation-guard.ts), one more point for every COST_PER_POINT of cost: `me` or an invoke costs
 * one point, the dashboard's `sendStats` about 8, the largest operation allowed about 50.
 */
export const COST_PER_POINT = 20;

/**
 * Per-account request budgets: rate-limiter-flexible's fixed windows of RATE_LIMIT_WINDOW_SECONDS,
 * stored in Postgres (`rate_limits`, created by our migrations), so every server process on the
 * database draws on the same budget. Once a key is spent it is refused from memory until its
 * window ends, so a flood costs no database round trip per request. If the store fails, an
 * in-memory limiter per process stands in (the "insurance" limiter) rather than refusing all.
 */
export class RequestBudget {
  private readonly limiters: Record<BudgetName, RateLimiterDrizzle | null>;

  constructor(db: Db, settings: Config['rateLimit']) {
    const limiter = (name: BudgetName, points: number) =>
      points === 0
        ? null
        : new RateLimiterDrizzle({
            storeClient: db,
            schema: rateLimits,
            keyPrefix: name,
            points,
            duration: settings.windowSeconds,
            inMemoryBlockOnConsumed: points,
            insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: settings.windowSeconds }),
          });
    this.limiters = {
      [BudgetName.AI_SERVICE]: limiter(BudgetName.AI_SERVICE, settings.aiServicePoints),
      [BudgetName.CONSOLE]: limiter(BudgetName.CONSOLE, settings.consolePoints),
    };
  }

  /** Takes `points` from the viewer's budget; throws RATE_LIMITED when it is spent. */
  async charge(viewer: Viewer, points: number): Promise<void> {
    const name = budgetOf(viewer);
    const limiter = this.limiters[name];
    if (!limiter || points <= 0) return;
    try {
      await limiter.consume(viewer.accountId, points);
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) {
        throw AppError.rateLimited(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)), name);
      }
      throw refusal;
    }
  }
}

/** 429 with Retry-After and the GraphQL error body, for refusals outside Apollo. */
export function sendRateLimited(res: Parameters<RequestHandler>[1], error: AppError): void {
  res.status(429).setHeader('retry-after', String(error.details?.retryAfterSeconds ?? 1));
  res.json(errorBody(error));
}

/**
 * Charges one point per request before anything else is read (the multipart guard and body
 * parsers run after it). Anonymous requests are not charged: they reach nothing but the token
 * check (see docs/security.md).
 */
export function chargeRequest(budget: RequestBudget, log: Logger, viewerOf: (res: Parameters<RequestHandler>[1]) => Viewer | null): RequestHandler {
  return async (_req, res, next) => {
    const viewer = viewerOf(res);
    if (!viewer) return next();
    try {
      await budget.charge(viewer, 1);
      next();
    } catch (error) {
      if (error instanceof AppError) {
        log.debug('http.rate_limited', { accountId: viewer.accountId, budget: budgetOf(viewer) });
        sendRateLimited(res, error);
        return;
      }
      next(error);
    }
  };
}
