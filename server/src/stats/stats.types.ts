import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum StatsBucket {
  HOUR = 'HOUR',
  DAY = 'DAY',
  WEEK = 'WEEK',
}
registerEnumType(StatsBucket, { name: 'StatsBucket', description: 'UTC hours, days, or ISO weeks (from Monday).' });

@ObjectType({ description: 'Finished sends: sent, failed, and the success rate.' })
export class Outcomes {
  @Field(() => Int)
  sent!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Float, { nullable: true, description: 'sent / (sent + failed) × 100; null when nothing finished.' })
  successRate!: number | null;
}

@ObjectType()
export class StatsPoint extends Outcomes {
  @Field(() => Date)
  bucketStart!: Date;
}

@ObjectType({ description: 'A failure reason: its code, as sends and events carry it, and its words.' })
export class FailureReason {
  @Field(() => String)
  reason!: string;

  @Field(() => String, { description: 'A short label for charts, filters and tables.' })
  label!: string;

  @Field(() => String)
  description!: string;
}

@ObjectType()
export class ReasonCount {
  @Field(() => String)
  reason!: string;

  @Field(() => String, { description: 'The reason as people read it ("ChatService unavailable").' })
  label!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class ChannelOutcomes extends Outcomes {
  @Field(() => String, { nullable: true, description: 'Null for sends refused before the channel was known.' })
  channel!: string | null;
}

@ObjectType()
export class ActionOutcomes extends Outcomes {
  @Field(() => ID)
  actionId!: string;

  @Field(() => ID)
  agentId!: string;

  @Field(() => String, { nullable: true })
  actionName!: string | null;
}

@ObjectType()
export class WeekOverWeek {
  @Field(() => Outcomes, { description: 'The 7 days ending at `to`.' })
  current!: Outcomes;

  @Field(() => Outcomes, { description: 'The 7 days before those.' })
  previous!: Outcomes;

  @Field(() => Float, { nullable: true, description: 'Success rate change, in percentage points.' })
  successRateChange!: number | null;

  @Field(() => Float, { nullable: true, description: 'Change in finished sends, in percent.' })
  sendsChangePercent!: number | null;
}

@ObjectType()
export class Adoption {
  @Field(() => Int)
  activeAgents!: number;

  @Field(() => Int, { description: 'Active agents with at least one enabled Send Attachment action.' })
  adoptingAgents!: number;

  @Field(() => Float, { nullable: true, description: 'adoptingAgents / activeAgents × 100.' })
  rate!: number | null;
}

@ObjectType({ description: 'Send outcomes over a range, counted at hour granularity (UTC).' })
export class SendStats extends Outcomes {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => Float)
  targetSuccessRate!: number;

  @Field(() => Int, { description: 'The most buckets one answer holds; a range and bucket giving more are refused.' })
  maxBuckets!: number;

  @Field(() => Int, {
    description: 'Files the customer got as a download link (the link fallback) in the sends that ended SENT in the range.',
  })
  filesSentAsLinks!: number;

  @Field(() => [StatsPoint])
  series!: StatsPoint[];

  @Field(() => [ReasonCount])
  reasons!: ReasonCount[];

  @Field(() => [ChannelOutcomes])
  channels!: ChannelOutcomes[];

  @Field(() => [ActionOutcomes])
  actions!: ActionOutcomes[];

  @Field(() => Adoption)
  adoption!: Adoption;

  @Field(() => WeekOverWeek)
  weekOverWeek!: WeekOverWeek;
}

@ObjectType()
export class AccountOverview extends Outcomes {
  @Field(() => ID)
  accountId!: string;

  @Field(() => String)
  accountName!: string;

  @Field(() => String, { description: 'The feature flag `flagEnabled` reports; pass it to setFeatureFlag.' })
  flag!: string;

  @Field(() => Boolean)
  flagEnabled!: boolean;
}
