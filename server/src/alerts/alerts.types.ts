import { Field, Float, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The sends an evaluation of a rule looked at: created from `from` to `to`, and the one failure reason it counts, if any.' })
export class AlertSendsWindow {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@ObjectType({ description: 'One alert rule and its current state for one account.' })
export class AlertState {
  @Field(() => ID)
  accountId!: string;

  @Field(() => String)
  accountName!: string;

  @Field(() => String)
  rule!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Float)
  threshold!: number;

  @Field(() => String, { description: 'Who the PRD says acts on it.' })
  audience!: string;

  @Field(() => String, { description: 'Over what the rule is computed (its window and minimum volume), in words.' })
  basis!: string;

  @Field(() => Boolean)
  firing!: boolean;

  @Field(() => Float, { nullable: true, description: 'The last measured value; null when there was too little data.' })
  value!: number | null;

  @Field(() => String, { nullable: true, description: 'The value as people read it ("72.7%", "21 failures"); null with the value.' })
  valueText!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the rule last started or stopped firing.' })
  since!: Date | null;

  @Field(() => Date, { nullable: true })
  evaluatedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When someone acknowledged this firing alert; null when not acknowledged since it fired.' })
  acknowledgedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Who acknowledged it ("Admin token 1a2b3c4d").' })
  acknowledgedBy!: string | null;

  @Field(() => AlertSendsWindow, { nullable: true, description: 'The sends the last evaluation looked at; null before the first.' })
  window!: AlertSendsWindow | null;
}

@ObjectType({ description: 'A rule starting (FIRED) or stopping (CLEARED) to fire, or someone acknowledging it (ACKNOWLEDGED).' })
export class AlertEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  accountId!: string;

  @Field(() => String)
  accountName!: string;

  @Field(() => String)
  rule!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  kind!: string;

  @Field(() => Float, { nullable: true })
  value!: number | null;

  @Field(() => String, { nullable: true, description: 'The value as people read it; null with the value.' })
  valueText!: string | null;

  @Field(() => String, { nullable: true, description: 'Who acknowledged (ACKNOWLEDGED only).' })
  actor!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the webhook accepted it; null if not (yet) posted.' })
  deliveredAt!: Date | null;
}
