import 'reflect-metadata';
import { GraphQLDateTime } from 'graphql-scalars';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AccountsResolver } from '../../accounts/accounts.resolver.js';
import { ActionsResolver } from '../../actions/actions.resolver.js';
import { AgentsResolver } from '../../agents/agents.resolver.js';
import { AlertsResolver } from '../../alerts/alerts.resolver.js';
import { FilesResolver } from '../../files/files.resolver.js';
import { SendConnectionResolver, SendReceiptResolver, SendsResolver } from '../../sends/sends.resolver.js';
import { TestSendsResolver } from '../../sends/test-sends.resolver.js';
import { StatsResolver } from '../../stats/stats.resolver.js';
import { WebhooksResolver } from '../../webhooks/webhooks.resolver.js';
import { InputGuard } from './input-guard.js';

export const RESOLVERS = [
  AccountsResolver,
  AgentsResolver,
  ActionsResolver,
  FilesResolver,
  SendsResolver,
  SendConnectionResolver,
  SendReceiptResolver,
  TestSendsResolver,
  StatsResolver,
  AlertsResolver,
  WebhooksResolver,
] as const;

let built: Promise<GraphQLSchema> | undefined;

/** The schema is built once per process; type-graphql's metadata is global anyway. */
export function buildAppSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [...RESOLVERS],
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    validate: false,
    globalMiddlewares: [InputGuard],
  });
  return built;
}
