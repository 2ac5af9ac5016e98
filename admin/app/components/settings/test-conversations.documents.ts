import { graphql, type ResultOf } from '~/graphql/tada';

/** The account's test conversations: managed in Settings, picked in the drawer's "Send a test". */
export const TestConversationsQuery = graphql(`
  query TestConversations {
    testConversations {
      conversationId
      label
      channel
    }
  }
`);

export const AddTestConversationMutation = graphql(`
  mutation AddTestConversation($conversationId: String!, $label: String!) {
    addTestConversation(conversationId: $conversationId, label: $label) {
      conversationId
      label
      channel
    }
  }
`);

export const RemoveTestConversationMutation = graphql(`
  mutation RemoveTestConversation($conversationId: String!) {
    removeTestConversation(conversationId: $conversationId)
  }
`);

export const SendTestAttachmentMutation = graphql(`
  mutation SendTestAttachment($actionId: ID!, $conversationId: String!) {
    sendTestAttachment(actionId: $actionId, conversationId: $conversationId) {
      sendId
      status
      reason
      message
      deduplicated
    }
  }
`);

export type TestConversation = ResultOf<typeof TestConversationsQuery>['testConversations'][number];
