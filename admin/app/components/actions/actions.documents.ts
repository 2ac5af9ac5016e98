import { graphql, type ResultOf } from '~/graphql/tada';

export const AgentFields = graphql(`
  fragment AgentFields on Agent {
    id
    name
    trainedVersion
    trainedAt
    needsTraining
    sendAttachmentUnavailable
  }
`);

export const AttachmentFields = graphql(`
  fragment AttachmentFields on Attachment {
    id
    fileName
    mimeType
    sizeBytes
    kind
    channels {
      channel
      label
      supported
      reason
    }
  }
`);

export const ActionFields = graphql(
  `
  fragment ActionFields on SendAttachmentAction {
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
    updatedAt
    attachments {
      ...AttachmentFields
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

export const AgentsQuery = graphql(
  `
  query Agents {
    agents {
      ...AgentFields
    }
  }
`,
  [AgentFields],
);

export const AgentActionsQuery = graphql(
  `
  query AgentActions($agentId: ID!) {
    actions(agentId: $agentId) {
      ...ActionFields
    }
    actionCatalog(agentId: $agentId) {
      type
      label
      description
    }
  }
`,
  [ActionFields],
);

export const AttachmentLimitsQuery = graphql(`
  query AttachmentLimits {
    attachmentLimits {
      maxFileBytes
      maxFilesPerAction
      maxToolsPerAgent
      acceptedExtensions
      acceptedByKind {
        kind
        extensions
      }
      fields {
        nameMaxChars
        triggerMaxChars
        contentMessageMaxChars
      }
      defaults {
        name
        trigger
      }
      channels {
        channel
        supportsAttachments
      }
    }
  }
`);

export const SetActionEnabledMutation = graphql(
  `
  mutation SetActionEnabled($id: ID!, $enabled: Boolean!) {
    setActionEnabled(id: $id, enabled: $enabled) {
      ...ActionFields
    }
  }
`,
  [ActionFields],
);

export const DeleteActionMutation = graphql(`
  mutation DeleteAction($id: ID!) {
    deleteAction(id: $id)
  }
`);

export const TrainAgentMutation = graphql(`
  mutation TrainAgent($agentId: ID!) {
    trainAgent(agentId: $agentId) {
      version
      trainedAt
    }
  }
`);

export const SaveSendAttachmentActionMutation = graphql(
  `
  mutation SaveSendAttachmentAction($input: SaveSendAttachmentActionInput!) {
    saveSendAttachmentAction(input: $input) {
      ...ActionFields
    }
  }
`,
  [ActionFields],
);

export const UploadAttachmentMutation = graphql(
  `
  mutation UploadAttachment($file: Upload!) {
    uploadAttachment(file: $file) {
      ...AttachmentFields
    }
  }
`,
  [AttachmentFields],
);

export const ActionQuery = graphql(
  `
  query Action($id: ID!) {
    action(id: $id) {
      ...ActionFields
    }
  }
`,
  [ActionFields],
);

export type AgentItem = ResultOf<typeof AgentFields>;
export type ActionItem = ResultOf<typeof ActionFields>;
export type AttachmentItem = ResultOf<typeof AttachmentFields>;
export type CatalogItem = ResultOf<typeof AgentActionsQuery>['actionCatalog'][number];
export type Limits = ResultOf<typeof AttachmentLimitsQuery>['attachmentLimits'];
