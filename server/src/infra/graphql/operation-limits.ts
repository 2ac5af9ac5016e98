import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { Lexer, Source, TokenKind, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { GraphqlLimits } from '../config/config.js';
import { AppError } from '../errors.js';
import { toGraphQLError } from './graphql-error.js';

/**
 * Limits on the shape of an operation, so that one request cannot stall the server for every
 * account (1,000 aliased `sendStats` in one POST ran for 10 s before these existed). Each is
 * checked before any resolver runs and refused with QUERY_TOO_COMPLEX naming the limit:
 *
 * - tokens: graphql-js's own `maxTokens` parse option (Apollo's `parseOptions`): the parser
 *   stops at the limit, so a huge document costs no more than a small one to refuse;
 * - aliases, depth, directives: GraphQL Armor's validation rules;
 * - cost: graphql-query-complexity with the per-field costs in `FIELD_COSTS` (declared on the
 *   resolvers with type-graphql's `complexity` option), every other field costing 1. Cost needs
 *   the variables (`first: $n`), so it is checked once the operation is resolved, not during
 *   validation (see operation-guard.ts).
 */

const FOUND = /found (\d+)/;

/** Armor reports "…limit of N exceeded, found M."; we report our own error with both numbers. */
function reject(limit: string, max: number, what: string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const found = Number(FOUND.exec(error.message)?.[1] ?? Number.NaN);
    context?.reportError(
      toGraphQLError(
        AppError.queryTooComplex(
          limit,
          max,
          Number.isFinite(found) ? found : null,
          `This operation has ${Number.isFinite(found) ? found : 'too many'} ${what}; at most ${max} are allowed. Split it into smaller operations.`,
        ),
      ),
    );
  };
}

export function limitValidationRules(limits: Readonly<GraphqlLimits>): ValidationRule[] {
  return [
    maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false, onReject: [reject('aliases', limits.maxAliases, 'aliases')] }),
    maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject: [reject('depth', limits.maxDepth, 'levels of nesting')] }),
    maxDirectivesRule({
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [reject('directives', limits.maxDirectives, 'directives')],
    }),
  ] as ValidationRule[];
}

// graphql-js 16 writes "more that"; accept the corrected wording too.
const TOKENS_EXCEEDED = /^Syntax Error: Document contains more tha[nt] (\d+) tokens/;

/** graphql-js's parse error for `maxTokens`, as our refusal; undefined for any other error. */
export function tokenLimitError(message: string): AppError | undefined {
  const match = TOKENS_EXCEEDED.exec(message);
  if (!match) return undefined;
  const max = Number(match[1]);
  return AppError.queryTooComplex('tokens', max, null, `This operation is longer than ${max} tokens. Split it into smaller operations.`);
}

const ESTIMATORS = [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })];
const TOO_MANY_NODES = /maximum allowed number of nodes/;
/** graphql-query-complexity's own bound on the fields it walks (its default). */
const MAX_QUERY_NODES = 10_000;

/**
 * The cost of `document`'s operation with these variables, or null when the variables do not
 * fit the operation (execution then refuses them with BAD_USER_INPUT, before any resolver).
 * Throws QUERY_TOO_COMPLEX when the document has more nodes than graphql-query-complexity
 * walks (MAX_QUERY_NODES).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
): number | null {
  try {
    return getComplexity({ schema, query: document, operationName: operationName ?? undefined, variables, estimators: ESTIMATORS, maxQueryNodes: MAX_QUERY_NODES });
  } catch (error) {
    if (error instanceof Error && TOO_MANY_NODES.test(error.message)) {
      throw AppError.queryTooComplex('nodes', MAX_QUERY_NODES, null, 'This operation selects too many fields. Split it into smaller operations.');
    }
    return null;
  }
}

export function costTooHigh(cost: number, max: number): AppError {
  return AppError.queryTooComplex(
    'cost',
    max,
    cost,
    `This operation costs ${cost}; at most ${max} is allowed (sendStats, sends with totalCount, alerts, training and uploads cost the most). Split it into smaller operations.`,
  );
}

export interface OperationMeasure {
  tokens: number;
  aliases: number;
  depth: number;
  directives: number;
  /** Null when the variables do not fit the operation. */
  cost: number | null;
}

/**
 * What each limit sees of an operation (its source, with the fragments it uses): how the
 * defaults were chosen, and how a test keeps the admin's own operations well inside them.
 */
export function measureOperation(schema: GraphQLSchema, source: string, document: DocumentNode, variables: Record<string, unknown>): OperationMeasure {
  const seen = { aliases: 0, depth: 0, directives: 0 };
  const record = (what: keyof typeof seen) => [(_: unknown, { n }: { n: number }) => (seen[what] = Math.max(seen[what], n))];
  const unlimited = Number.MAX_SAFE_INTEGER;
  validate(schema, document, [
    maxAliasesRule({ n: unlimited, onAccept: record('aliases') }),
    maxDepthRule({ n: unlimited, onAccept: record('depth') }),
    maxDirectivesRule({ n: unlimited, onAccept: record('directives') }),
  ] as ValidationRule[]);
  const lexer = new Lexer(new Source(source));
  let tokens = 0;
  while (lexer.advance().kind !== TokenKind.EOF) tokens++;
  return { tokens, ...seen, cost: operationCost(schema, document, undefined, variables) };
}
