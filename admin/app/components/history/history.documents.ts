import { graphql, type ResultOf } from '~/graphql/tada';

export const SendRowFields = graphql(`
  fragment SendRowFields on Send {
    id
    status
    reason
    channel
    conversationId
    conversationUrl
    actionId
    actionName
    agentId
    failedAttempts
    isTest
    createdAt
    completedAt
  }
`);

/**
 * One page of the history, newest first. totalCount counts every matching send (111 ms at 1M
 * sends, docs/benchmarks.md), so it is asked for with the first page only: "Load more" passes
 * `withCount: false`.
 */
export const SendsQuery = graphql(
  `
    query Sends($filter: SendFilter, $first: Int, $after: String, $withCount: Boolean! = true) {
      sends(filter: $filter, first: $first, after: $after) {
        totalCount @include(if: $withCount)
        edges {
          cursor
          node {
            ...SendRowFields
          }
        }
        pageInfo {
          endCursor
          hasNextPage
        }
      }
    }
  `,
  [SendRowFields],
);

export const SendQuery = graphql(
  `
    query Send($id: ID!) {
      send(id: $id) {
        ...SendRowFields
        receiptStatus
        reasonDetail
        caption
        idempotencyKey
        updatedAt
        files {
          id
          position
          fileName
          kind
          mimeType
          sizeBytes
          status
          delivery
          deliveredAt
          messageId
        }
        attempts {
          id
          sendFileId
          attempt
          startedAt
          durationMs
          httpStatus
          error
          responseExcerpt
        }
      }
    }
  `,
  [SendRowFields],
);

/** What the filter selects can list: the agents (for readers of the configuration). */
export const HistoryAgentsQuery = graphql(`
  query HistoryAgents {
    agents {
      id
      name
    }
  }
`);

export type SendRow = ResultOf<typeof SendRowFields>;
export type SendDetail = NonNullable<ResultOf<typeof SendQuery>['send']>;

/** What occurred in a range (finished sends): the channels, reasons and actions the filter offers. */
export const HistoryOptionsQuery = graphql(`
  query HistoryOptions($from: DateTime!, $to: DateTime!) {
    sendStats(from: $from, to: $to, bucket: WEEK) {
      reasons {
        reason
      }
      channels {
        channel
      }
      actions {
        actionId
        actionName
      }
    }
  }
`);
