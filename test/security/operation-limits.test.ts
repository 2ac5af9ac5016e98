import { createRequire } from 'node:module';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/infra/config/config.js';
import { measureOperation } from '../../server/src/infra/graphql/operation-limits.js';
import { buildAppSchema } from '../../server/src/infra/graphql/schema.js';
import { MAX_FILES_PER_ACTION } from '../../server/src/files/limits.js';
import { adminOperations } from '../support/admin-documents.js';
import { FILES } from '../support/files.js';
import { saveAction, uploadFile } from '../support/operations.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const STATS = 'sendStats(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", bucket: HOUR) { sent failed successRate }';
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

describe('GraphQL operation limits', () => {
  let stack: TestStack;
  let acme: TestAccount;
  const toolsets = async () => (await stack.sql`select count(*)::int as n from agent_toolsets where account_id = ${acme.accountId}`)[0]!.n as number;

  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.createAccount();
    const staged = (await uploadFile(stack.client, acme.tokens.ADMIN, { name: 'a.pdf', content: FILES.pdf(1400) })).data!.uploadAttachment.id;
    await saveAction(stack.client, acme.tokens.ADMIN, { agentId: acme.agentId, attachmentIds: [staged] });
  });
  afterAll(() => stack?.stop());

  it('refuses 1,000 aliased sendStats with QUERY_TOO_COMPLEX and HTTP 400, before parsing all of it', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `s${i}: ${STATS}`).join(' ')} }`;
    const res = await stack.client.query(acme.tokens.VIEWER, query);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    // 1,000 aliases of this field take about 21,000 tokens: the parser stops at the token limit.
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: 3000 });
  });

  it('refuses more aliases than the limit, naming the limit and the count', async () => {
    const query = `{ ${Array.from({ length: 30 }, (_, i) => `s${i}: ${STATS}`).join(' ')} }`;
    const res = await stack.client.query(acme.tokens.VIEWER, query);
    expect(res.status).toBe(400);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', max: 20, found: 30 });
    expect(res.errors![0]!.message).toMatch(/30 aliases; at most 20/);
  });

  it('never starts a refused operation: 21 aliased trainAgent make no tool-set version', async () => {
    const before = await toolsets();
    const query = `mutation($a: ID!) { ${Array.from({ length: 21 }, (_, i) => `t${i}: trainAgent(agentId: $a) { version }`).join(' ')} }`;
    const res = await stack.client.query(acme.tokens.ADMIN, query, { a: acme.agentId });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases' });
    expect(await toolsets()).toBe(before);
  });

  it('refuses an operation over the cost limit before it runs: six trainAgent (200 each) make no version', async () => {
    const before = await toolsets();
    const query = `mutation($a: ID!) { ${Array.from({ length: 6 }, (_, i) => `t${i}: trainAgent(agentId: $a) { version }`).join(' ')} }`;
    const res = await stack.client.query(acme.tokens.ADMIN, query, { a: acme.agentId });
    expect(res.status).toBe(400);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', max: 1000 });
    expect(res.errors![0]!.extensions!.found).toBeGreaterThan(1000);
    expect(await toolsets()).toBe(before);
    // Four fit within the limit and run.
    const four = await stack.client.query(acme.tokens.ADMIN, query.replace(/ t[45]: trainAgent\(agentId: \$a\) \{ version \}/g, ''), { a: acme.agentId });
    expect(four.errors).toBeUndefined();
    expect(await toolsets()).toBe(before + 4);
  });

  it('counts the cost of sends with totalCount, and of sendStats, against the limit', async () => {
    const sends = `query { ${Array.from({ length: 15 }, (_, i) => `p${i}: sends(first: 100) { totalCount edges { node { id } } }`).join(' ')} }`;
    const res = await stack.client.query(acme.tokens.VIEWER, sends);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    const stats = `{ ${Array.from({ length: 10 }, (_, i) => `s${i}: ${STATS}`).join(' ')} }`;
    expect((await stack.client.query(acme.tokens.VIEWER, stats)).errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    const fine = await stack.client.query(acme.tokens.VIEWER, `{ a: ${STATS} b: ${STATS} }`);
    expect(fine.errors).toBeUndefined();
  });

  it('refuses a document over the token limit at parse time', async () => {
    const query = `{ me { ${'role '.repeat(4000)} } }`;
    const res = await stack.client.query(acme.tokens.VIEWER, query);
    expect(res.status).toBe(400);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: 3000 });
  });

  it('refuses too many directives', async () => {
    const res = await stack.client.query(acme.tokens.VIEWER, `{ me { role ${'@skip(if: false) '.repeat(30)} } }`);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'directives', max: 20, found: 30 });
  });

  it('answers a client mistake as before: unknown fields stay GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await stack.client.query(acme.tokens.VIEWER, '{ nope }');
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  describe('with the limits set low (GRAPHQL_MAX_DEPTH=3)', () => {
    let low: TestStack;
    beforeAll(async () => {
      low = await startTestStack({ GRAPHQL_MAX_DEPTH: '3' });
    });
    afterAll(() => low?.stop());

    it('refuses an operation nested deeper than the limit', async () => {
      const account = await low.createAccount();
      const res = await low.client.query(account.tokens.VIEWER, '{ sends { edges { node { files { id } } } } }');
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 3 });
      expect((await low.client.query(account.tokens.VIEWER, '{ sends { edges { cursor } } }')).errors).toBeUndefined();
    });
  });
});

// graphql-upload is the server's dependency; its Upload class is what an `Upload!` variable holds.
const serverRequire = createRequire(new URL('../../server/package.json', import.meta.url));
const { default: Upload } = (await import(serverRequire.resolve('graphql-upload/Upload.mjs'))) as { default: new () => object };

/** A value for every variable the operation declares, as large as the API allows for lists of files. */
function exampleVariables(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  const valueOf = (type: GraphQLInputType, name: string): unknown => {
    if (isNonNullType(type)) return valueOf(type.ofType, name);
    if (isListType(type)) return Array.from({ length: name === 'files' ? MAX_FILES_PER_ACTION : 3 }, () => valueOf(type.ofType, name));
    const named = getNamedType(type);
    if (isEnumType(named)) return named.getValues()[0]!.value;
    if (isInputObjectType(named)) {
      return Object.fromEntries(Object.values(named.getFields()).map((f) => [f.name, valueOf(f.type, f.name)]));
    }
    switch (named.name) {
      case 'Int':
        return name === 'first' ? 100 : 10;
      case 'Float':
        return 1;
      case 'Boolean':
        return true;
      case 'DateTime':
        return '2026-01-01T00:00:00Z';
      case 'Upload':
        return new Upload();
      case 'JSON':
        return {};
      default:
        return 'x';
    }
  };
  return Object.fromEntries(
    (operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, valueOf(typeFromAST(schema, v.type as never) as GraphQLInputType, v.variable.name.value)]),
  );
}

describe("the admin's own operations", () => {
  const limits = loadConfig({}).graphqlLimits;

  it('all stay within half of every default limit (aliases, depth, directives, tokens, cost)', async () => {
    const schema = await buildAppSchema();
    const operations = adminOperations();
    expect(operations.length).toBeGreaterThan(15);
    const measured: Record<string, Record<string, number>> = {};
    for (const { name, document, source } of operations) {
      const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
      const measure = measureOperation(schema, source, document, exampleVariables(schema, operation));
      expect(measure.cost, `${name}: its variables must fit`).not.toBeNull();
      measured[name] = measure as unknown as Record<string, number>;
    }
    for (const [name, m] of Object.entries(measured)) {
      expect(m.aliases, name).toBeLessThanOrEqual(limits.maxAliases / 2);
      expect(m.depth, name).toBeLessThanOrEqual(limits.maxDepth / 2);
      expect(m.directives, name).toBeLessThanOrEqual(limits.maxDirectives / 2);
      expect(m.tokens, name).toBeLessThanOrEqual(limits.maxTokens / 2);
      expect(m.cost, name).toBeLessThanOrEqual(limits.maxCost / 2);
    }
    // The dearest, for docs/security.md.
    const dearest = Object.entries(measured).sort((a, b) => b[1].cost! - a[1].cost!)[0]!;
    console.log(`admin operations: ${operations.length}; dearest ${dearest[0]} ${JSON.stringify(dearest[1])}`);
  });
});
