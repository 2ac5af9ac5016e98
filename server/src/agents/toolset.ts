import type { ActionRow } from '../actions/actions.repository.js';

export const TOOL_ACTION_TYPE = 'qontak_send_attachment';
export const TOOL_ACTION_TYPE_VERSION = 1;

/** `qontak_send_attachment_<action id without dashes>`: unique, and within ^[a-zA-Z0-9_-]{1,64}$. */
export function toolNameOf(actionId: string): string {
  return `${TOOL_ACTION_TYPE}_${actionId.replace(/-/g, '')}`;
}

/** Whether a trained tool is a Send Attachment one (by its name, which toolNameOf gives it). */
export function isSendAttachmentTool(tool: unknown): boolean {
  const name = (tool as { function?: { name?: unknown } }).function?.name;
  return typeof name === 'string' && name.startsWith(`${TOOL_ACTION_TYPE}_`);
}

/**
 * At most this many tools in one trained tool set: OpenAI refuses a request with more than
 * 128 tools, so a 129th would stop the agent working at all. Served to the admin in
 * `attachmentLimits.maxToolsPerAgent`, so it warns before the builder trains.
 */
export const MAX_TOOLS_PER_AGENT = 128;

const CAPTION_PARAMETER = {
  type: ['string', 'null'],
  description: 'A short message to send with the file(s), written for this customer and conversation; null to send the files without one.',
} as const;

/**
 * The one shape of a served tool: valid with `strict: true` (OpenAI structured tool calls),
 * so every property is required, an optional value is nullable instead of absent, and no
 * other property is allowed. Only AI-caption actions take a `caption` argument. The name is
 * 55 characters (OpenAI: ^[a-zA-Z0-9_-]{1,64}$) and the description, the trigger, at most
 * 1,024 (FIELD_LIMITS.triggerMaxChars, OpenAI's limit for a function description).
 */
function toolShape(name: string, description: string, takesCaption: boolean) {
  return {
    type: 'function',
    function: {
      name,
      description,
      strict: true,
      parameters: {
        type: 'object',
        properties: takesCaption ? { caption: CAPTION_PARAMETER } : {},
        required: takesCaption ? ['caption'] : [],
        additionalProperties: false,
      },
    },
  };
}

/** One OpenAI function-calling tool per action; the trigger text is the description the model chooses by. */
export function toolOf(action: ActionRow) {
  return toolShape(toolNameOf(action.id), action.trigger, action.contentMode === 'AI');
}

/**
 * A trained tool as it is served: in today's shape whatever shape it was stored in, so tool
 * sets trained before strict mode are served strict without retraining.
 */
export function servedToolOf(stored: unknown) {
  const fn = (stored as { function?: { name?: unknown; description?: unknown; parameters?: { properties?: object } } }).function;
  return toolShape(String(fn?.name), String(fn?.description ?? ''), Boolean(fn?.parameters?.properties && 'caption' in fn.parameters.properties));
}

/** The v2 capability payload entry (capabilities[].actions[]). */
export function capabilityActionOf(action: ActionRow) {
  return {
    id: action.id,
    name: action.name,
    tool_name: toolNameOf(action.id),
    action_type: TOOL_ACTION_TYPE,
    action_type_version: TOOL_ACTION_TYPE_VERSION,
    description: action.trigger,
  };
}
