import type { GraphQLClient, UploadFile } from './graphql-client.js';

/** The operations as a client sends them, shared by the builder tests. */
export const ATTACHMENT_FIELDS = 'id fileName mimeType sizeBytes kind sha256';
export const ACTION_FIELDS = `id agentId type name trigger contentMode contentMessage enabled version toolName
  attachments { ${ATTACHMENT_FIELDS} } usage { sent failed lastSentAt }`;

export const UPLOAD = `mutation Upload($file: Upload!) { uploadAttachment(file: $file) { ${ATTACHMENT_FIELDS} } }`;
export const SAVE = `mutation Save($input: SaveSendAttachmentActionInput!, $files: [Upload!]) {
  saveSendAttachmentAction(input: $input, files: $files) { ${ACTION_FIELDS} } }`;
export const ACTIONS = `query Actions($agentId: ID!) { actions(agentId: $agentId) { ${ACTION_FIELDS} } }`;
export const SET_ENABLED = `mutation SetEnabled($id: ID!, $enabled: Boolean!) { setActionEnabled(id: $id, enabled: $enabled) { id enabled version } }`;
export const DELETE = `mutation Delete($id: ID!) { deleteAction(id: $id) }`;
export const TRAIN = `mutation Train($agentId: ID!) { trainAgent(agentId: $agentId) { version trainedAt tools capabilityActions } }`;
export const TOOLS = `query Tools($agentId: ID!) { agentTools(agentId: $agentId) { version trainedAt tools capabilityActions } }`;
export const CATALOG = `query Catalog($agentId: ID!) { actionCatalog(agentId: $agentId) { type label } }`;

export interface SaveInput {
  id?: string;
  agentId: string;
  name?: string;
  trigger?: string;
  contentMode?: 'AI' | 'MANUAL';
  contentMessage?: string | null;
  attachmentIds?: string[];
  enabled?: boolean;
  expectedVersion?: number;
}

export function uploadFile(client: GraphQLClient, token: string, file: UploadFile) {
  return client.upload(token, UPLOAD, { file: null }, [{ path: 'variables.file', file }]);
}

/** Saves with sensible defaults; `files` go inline in the same multipart request. */
export function saveAction(client: GraphQLClient, token: string, input: SaveInput, files: UploadFile[] = []) {
  const full = {
    name: 'Price list',
    trigger: 'When the customer asks for prices or the price list.',
    contentMode: 'AI',
    attachmentIds: [],
    ...input,
  };
  if (files.length === 0) return client.query(token, SAVE, { input: full, files: null });
  return client.upload(
    token,
    SAVE,
    { input: full, files: files.map(() => null) },
    files.map((file, i) => ({ path: `variables.files.${i}`, file })),
  );
}
