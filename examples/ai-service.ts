/**
 * Plays the AI service against the local stack (`pnpm start`), with no language model: it
 * reads the agent's trained tools, "decides" to call the Send Attachment tool by its name, calls
 * invokeSendAttachment, and hands the receipt back as the tool result. See docs/ai-service.md.
 *
 *   pnpm example:ai                       # uses DATA_DIR/demo-tokens.txt from the first start
 *   GRAPHQL_URL=… AI_SERVICE_TOKEN=… ADMIN_TOKEN=… AGENT_ID=… CONVERSATION_ID=… pnpm example:ai
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveDataDir } from '../server/src/infra/config/config.js';

const env = process.env;
const GRAPHQL_URL = env.GRAPHQL_URL ?? `http://localhost:${env.PORT ?? 4000}/graphql`;
const demo = readDemoFile(path.join(resolveDataDir(env.DATA_DIR), 'demo-tokens.txt'));
const AI_TOKEN = env.AI_SERVICE_TOKEN ?? demo.tokens.AI_SERVICE;
const ADMIN_TOKEN = env.ADMIN_TOKEN ?? demo.tokens.ADMIN;
const AGENT_ID = env.AGENT_ID ?? demo.agentId;
const CONVERSATION_ID = env.CONVERSATION_ID ?? demo.rooms.whatsapp;

interface Tool {
  type: 'function';
  function: { name: string; description: string; parameters: { properties: Record<string, unknown> } };
}
interface CapabilityAction {
  id: string;
  tool_name: string;
  action_type: string;
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

  // The model's turn. A real model picks a tool from the descriptions (the builder's trigger
  // text); here the customer asks for the price list and we pick the Send Attachment tool by name.
  const customer = 'Hi! Could you send me your price list?';
  const tool = toolset.tools.find((t) => t.function.name.startsWith('qontak_send_attachment'));
  if (!tool) throw new Error('No Send Attachment tool is trained for this agent.');
  const args: { caption?: string } = 'caption' in tool.function.parameters.properties ? { caption: 'Here is our latest price list 📄' } : {};
  console.log(`Customer: "${customer}"\nModel calls ${tool.function.name}(${JSON.stringify(args)})`);

  // The runtime maps the tool name to the action and calls invokeSendAttachment.
  const action = toolset.capabilityActions.find((a) => a.tool_name === tool.function.name)!;
  const turnId = `turn-${Date.now()}`;
  const { invokeSendAttachment: receipt } = await gql<{ invokeSendAttachment: Record<string, unknown> }>(
    AI_TOKEN,
    `mutation Invoke($input: InvokeSendAttachmentInput!) {
       invokeSendAttachment(input: $input) { sendId status reason deduplicated }
     }`,
    { input: { actionId: action.id, conversationId: CONVERSATION_ID, ...args, idempotencyKey: `${CONVERSATION_ID}:${turnId}` } },
  );
  // The tool result the model reads next: QUEUED → "sent"; FAILED/REJECTED → fall back to text.
  console.log(`Tool result: ${JSON.stringify(receipt)}`);

  if (receipt.status === 'QUEUED' && ADMIN_TOKEN) {
    for (let i = 0; i < 60; i++) {
      const { send } = await gql<{ send: { status: string; files: { fileName: string; status: string }[] } }>(
        ADMIN_TOKEN,
        `query($id: ID!) { send(id: $id) { status files { fileName status } } }`,
        { id: receipt.sendId },
      );
      if (send.status === 'SENT' || send.status === 'FAILED') {
        console.log(`Delivery: ${send.status} (${send.files.map((f) => `${f.fileName} ${f.status}`).join(', ')})`);
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log('Delivery still in progress; see the send history.');
  }
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
