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
 * One OpenAI function-calling tool per action. The trigger text is the description the
 * model chooses by; only AI-caption actions take a `caption` argument.
 */
export function toolOf(action: ActionRow) {
  const properties: Record<string, unknown> =
    action.contentMode === 'AI'
      ? {
          caption: {
            type: 'string',
            description: 'A short message to send with the file(s), written for this customer and conversation.',
          },
        }
      : {};
  return {
    type: 'function',
    function: {
      name: toolNameOf(action.id),
      description: action.trigger,
      parameters: { type: 'object', properties, required: [], additionalProperties: false },
    },
  };
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
