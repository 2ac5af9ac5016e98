import { graphql, type ResultOf } from '~/graphql/tada';

/** Everything the dashboard shows for one range, bucketed by the server. */
export const SendStatsQuery = graphql(`
  query SendStats($from: DateTime!, $to: DateTime!, $bucket: StatsBucket!, $agentId: ID, $channel: String, $accountId: ID) {
    sendStats(from: $from, to: $to, bucket: $bucket, agentId: $agentId, channel: $channel, accountId: $accountId) {
      from
      to
      sent
      failed
      successRate
      targetSuccessRate
      maxBuckets
      filesSentAsLinks
      series {
        bucketStart
        sent
        failed
        successRate
      }
      reasons {
        reason
        label
        count
      }
      channels {
        channel
        sent
        failed
        successRate
      }
      actions {
        actionId
        actionName
        agentId
        sent
        failed
        successRate
      }
      adoption {
        activeAgents
        adoptingAgents
        rate
      }
      weekOverWeek {
        current {
          sent
          failed
          successRate
        }
        previous {
          sent
          failed
          successRate
        }
        successRateChange
        sendsChangePercent
      }
    }
  }
`);

export type SendStats = ResultOf<typeof SendStatsQuery>['sendStats'];
export type StatsBucket = 'HOUR' | 'DAY' | 'WEEK';

/** One row of a per-channel or per-action breakdown. */
export interface BreakdownRow {
  key: string;
  label: string;
  sent: number;
  failed: number;
  successRate: number | null;
  /** The history filtered to this row. */
  to: string;
}
