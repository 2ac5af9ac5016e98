import type { GraphQLClient, UploadFile } from './graphql-client.js';
import { graphql, type VariablesOf } from './graphql.js';

/**
 * The builder operations as a client sends them, shared by the builder tests, typed from the
 * schema (test/support/graphql.ts). These tests look at each answer, refusals included; to make
 * an action for some other purpose use test/support/factories.ts.
 */
const AttachmentFields = graphql(`
  fragment OperationsAttachment on Attachment {
    id
    fileName
    mimeType
    sizeBytes
    kind
    sha256
  }
`);

const ActionFields = graphql(
  `
    fragment OperationsAction on SendAttachmentAction {
      id
      agentId
      type
      name
      trigger
      contentMode
      contentMessage
      enabled
      linkFallback
      version
      toolName
      attachments {
        ...OperationsAttachment
      }
      usage {
        sent
        failed
        lastSentAt
      }
    }
  `,
  [AttachmentFields],
);

export const UPLOAD = graphql(
  `
    mutation Upload($file: Upload!) {
      uploadAttachment(file: $file) {
        ...OperationsAttachment
      }
    }
  `,
  [AttachmentFields],
);
export const SAVE = graphql(
  `
    mutation Save($input: SaveSendAttachmentActionInput!, $files: [Upload!]) {
      saveSendAttachmentAction(input: $input, files: $files) {
        ...OperationsAction
      }
    }
  `,
  [ActionFields],
);
export const ACTIONS = graphql(
  `
    query Actions($agentId: ID!) {
      actions(agentId: $agentId) {
        ...OperationsAction
      }
    }
  `,
  [ActionFields],
);
export const SET_ENABLED = graphql(`
  mutation SetEnabled($id: ID!, $enabled: Boolean!) {
    setActionEnabled(id: $id, enabled: $enabled) {
      id
      enabled
      version
    }
  }
`);
export const DELETE = graphql(`
  mutation Delete($id: ID!) {
    deleteAction(id: $id)
  }
`);
export const TRAIN = graphql(`
  mutation Train($agentId: ID!) {
    trainAgent(agentId: $agentId) {
      version
      trainedAt
      tools
      capabilityActions
    }
  }
`);
export const TOOLS = graphql(`
  query Tools($agentId: ID!) {
    agentTools(agentId: $agentId) {
      version
      trainedAt
      tools
      capabilityActions
    }
  }
`);
export const CATALOG = graphql(`
  query Catalog($agentId: ID!) {
    actionCatalog(agentId: $agentId) {
      type
      label
    }
  }
`);

/** The save's input with the fields a test may leave to the defaults below. */
export type SaveInput = Omit<VariablesOf<typeof SAVE>['input'], 'name' | 'trigger' | 'contentMode' | 'attachmentIds'> &
  Partial<Pick<VariablesOf<typeof SAVE>['input'], 'name' | 'trigger' | 'contentMode' | 'attachmentIds'>>;

export function uploadFile(client: GraphQLClient, token: string, file: UploadFile) {
  return client.upload(token, UPLOAD, { file: null }, [{ path: 'variables.file', file }]);
}

/** Saves with sensible defaults; `files` go inline in the same multipart request. */
export function saveAction(client: GraphQLClient, token: string, input: SaveInput, files: UploadFile[] = []) {
  const full = {
    name: 'Price list',
    trigger: 'When the customer asks for prices or the price list.',
    contentMode: 'AI' as const,
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
