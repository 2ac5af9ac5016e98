/**
 * Plays the AI service against the local stack (`pnpm start`) with the `openai` SDK's tool
 * runner (`chat.completions.runTools`): the agent's trained tools go to the model as they are
 * served, the model calls the Send Attachment tool, the runner calls invokeSendAttachment with
 * `waitMs`, and the outcome goes back to the model, which answers the customer.
 *
 * There is no language model here: the example starts a SCRIPTED MODEL, a tiny
 * OpenAI-compatible HTTP server (POST /v1/chat/completions) that always calls the first Send
 * Attachment tool it is given, then words its reply from the receipt. Point OPENAI_BASE_URL
 * and OPENAI_API_KEY (and OPENAI_MODEL) at a real endpoint to use a real model instead.
 * See docs/ai-service.md.
 *
 *   pnpm example:ai                       # uses DATA_DIR/demo-tokens.txt from the first start
 *   GRAPHQL_URL=… AI_SERVICE_TOKEN=… ADMIN_TOKEN=… AGENT_ID=… CONVERSATION_ID=… pnpm example:ai
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import OpenAI from 'openai';
import { resolveDataDir } from '../server/src/infra/config/config.js';

const env = process.env;
const GRAPHQL_URL = env.GRAPHQL_URL ?? `http://localhost:${env.PORT ?? 4000}/graphql`;
const demo = readDemoFile(path.join(resolveDataDir(env.DATA_DIR), 'demo-tokens.txt'));
const AI_TOKEN = env.AI_SERVICE_TOKEN ?? demo.tokens.AI_SERVICE;
const ADMIN_TOKEN = env.ADMIN_TOKEN ?? demo.tokens.ADMIN;
const AGENT_ID = env.AGENT_ID ?? demo.agentId;
const CONVERSATION_ID = env.CONVERSATION_ID ?? demo.rooms.whatsapp;
/** How long invokeSendAttachment may wait for the delivery (at most 10000 ms). */
const WAIT_MS = 8000;

interface Tool {
  type: 'function';
  function: { name: string; description: string; strict: boolean; parameters: Record<string, unknown> };
}
interface CapabilityAction {
  id: string;
  tool_name: string;
}
interface Receipt {
  sendId: string | null;
  status: 'QUEUED' | 'SENT' | 'FAILED' | 'REJECTED';
  reason: string | null;
  message: string;
  retryable: boolean;
  deduplicated: boolean;
}

async function main() {
  if (!AI_TOKEN || !AGENT_ID || !CONVERSATION_ID) {
    throw new Error('No demo tokens found: start the stack once (`pnpm start`) or set AI_SERVICE_TOKEN, AGENT_ID and CONVERSATION_ID.');
  }
  let toolset = await agentTools();
  if (toolset.tools.length === 0 && ADMIN_TOKEN) {
    console.log('The agent has no trained tools yet: adding a Send Attachment action as the builder and training…');
    await addDemoAction();
    toolset = await agentTools();
  }
  console.log(`Agent tools v${toolset.version}: ${toolset.tools.map((t) => t.function.name).join(', ') || '(none)'}`);

  const scripted = env.OPENAI_BASE_URL ? null : await startScriptedModel();
  const openai = new OpenAI({ baseURL: scripted?.url ?? env.OPENAI_BASE_URL, apiKey: (scripted ? undefined : env.OPENAI_API_KEY) ?? 'scripted-model' });
  try {
    const customer = 'Hi! Could you send me your price list?';
    console.log(`Customer: "${customer}"`);
    const turnId = `turn-${Date.now()}`;

    // Each served tool as the runner takes it: the definition untouched, plus the call to make.
    const tools = toolset.tools.map((tool) => ({
      type: 'function' as const,
      function: {
        ...tool.function,
        parse: JSON.parse,
        function: async (args: { caption?: string | null }) => {
          const action = toolset.capabilityActions.find((a) => a.tool_name === tool.function.name);
          if (!action) return { status: 'REJECTED', message: 'This tool is not a Send Attachment action.' };
          console.log(`Model calls ${tool.function.name}(${JSON.stringify(args)})`);
          const receipt = await invokeSendAttachment({
            actionId: action.id,
            conversationId: CONVERSATION_ID,
            caption: args.caption ?? null,
            // Stable for this turn and this tool call: a retry after a timeout sends nothing twice.
            idempotencyKey: `${CONVERSATION_ID}:${turnId}:${tool.function.name}`,
            waitMs: WAIT_MS,
          });
          console.log(`Tool result: ${JSON.stringify(receipt)}`);
          return receipt;
        },
      },
    }));
    const runner = openai.chat.completions.runTools({
      model: env.OPENAI_MODEL ?? 'scripted-model',
      messages: [
        { role: 'system', content: 'You are a customer-service agent. Use a tool to send a file when one fits; then tell the customer what happened.' },
        { role: 'user', content: customer },
      ],
      tools,
    });
    console.log(`Agent: "${await runner.finalContent()}"`);
  } finally {
    await scripted?.stop();
  }
}

/**
 * SCRIPTED MODEL, not a language model: an OpenAI-compatible chat completions endpoint with
 * a fixed script. Turn 1 calls the first Send Attachment tool it is offered (with a caption
 * when the tool takes one); turn 2 turns the tool result (the receipt) into the reply.
 */
async function startScriptedModel() {
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: { role: string; content?: string }[]; tools?: Tool[] };
    const last = body.messages.at(-1)!;
    const tool = body.tools?.find((t) => t.function.name.startsWith('qontak_send_attachment'));
    let message: Record<string, unknown>;
    if (last.role === 'tool') {
      const receipt = JSON.parse(last.content ?? '{}') as Partial<Receipt>;
      message = {
        role: 'assistant',
        content: receipt.status === 'SENT' ? 'I have sent you our price list; it is in this chat now.' : `Sorry, I could not send the file. (${receipt.message})`,
      };
    } else if (tool) {
      const takesCaption = 'caption' in ((tool.function.parameters.properties as object | undefined) ?? {});
      const args = takesCaption ? { caption: 'Here is our latest price list 📄' } : {};
      message = { role: 'assistant', content: null, tool_calls: [{ id: `call_${Date.now()}`, type: 'function', function: { name: tool.function.name, arguments: JSON.stringify(args) } }] };
    } else {
      message = { role: 'assistant', content: 'I cannot send files in this conversation.' };
    }
    const finish = 'tool_calls' in message ? 'tool_calls' : 'stop';
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ id: `chatcmpl-${Date.now()}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: 'scripted-model', choices: [{ index: 0, message, finish_reason: finish, logprobs: null }] }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function invokeSendAttachment(input: Record<string, unknown>): Promise<Receipt> {
  const { invokeSendAttachment: receipt } = await gql<{ invokeSendAttachment: Receipt }>(
    AI_TOKEN!,
    `mutation Invoke($input: InvokeSendAttachmentInput!) {
       invokeSendAttachment(input: $input) { sendId status reason message retryable deduplicated }
     }`,
    { input },
  );
  return receipt;
}

async function agentTools() {
  const { agentTools } = await gql<{ agentTools: { version: number; tools: Tool[]; capabilityActions: CapabilityAction[] } }>(
    AI_TOKEN!,
    `query($agentId: ID!) { agentTools(agentId: $agentId) { version tools capabilityActions } }`,
    { agentId: AGENT_ID },
  );
  return agentTools;
}

/** The builder's part, done once: a Send Attachment action with one PDF, then training. */
async function addDemoAction() {
  const form = new FormData();
  const query = `mutation($input: SaveSendAttachmentActionInput!, $files: [Upload!]) { saveSendAttachmentAction(input: $input, files: $files) { id } }`;
  const input = { agentId: AGENT_ID, name: 'Send price list', trigger: 'When the customer asks for prices or the price list.', contentMode: 'AI', attachmentIds: [] };
  form.append('operations', JSON.stringify({ query, variables: { input, files: [null] } }));
  form.append('map', JSON.stringify({ 0: ['variables.files.0'] }));
  form.append('0', new Blob([Buffer.from('%PDF-1.7\n% Demo price list\n')], { type: 'application/pdf' }), 'price-list.pdf');
  const res = await fetch(GRAPHQL_URL, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'apollo-require-preflight': 'true' }, body: form });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`saveSendAttachmentAction: ${JSON.stringify(body.errors)}`);
  await gql(ADMIN_TOKEN!, `mutation($a: ID!) { trainAgent(agentId: $a) { version } }`, { a: AGENT_ID });
}

async function gql<T>(token: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

function readDemoFile(file: string) {
  const result = { agentId: undefined as string | undefined, tokens: {} as Record<string, string>, rooms: {} as Record<string, string> };
  if (!fs.existsSync(file)) return result;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const agent = /agent ([0-9a-f-]{36})/.exec(line);
    if (agent) result.agentId = agent[1];
    const room = /^\s+room (\S+)\s+(\S+)$/.exec(line);
    if (room) result.rooms[room[1]!] = room[2]!;
    const token = /^\s+([A-Z_]+)\s+(sat_\S+)$/.exec(line);
    if (token) result.tokens[token[1]!] = token[2]!;
  }
  return result;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
