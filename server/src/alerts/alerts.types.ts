import { Field, Float, ID, ObjectType } from 'type-graphql';

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
}

@ObjectType({ description: 'A rule starting (FIRED) or stopping (CLEARED) to fire.' })
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

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the webhook accepted it; null if not (yet) posted.' })
  deliveredAt!: Date | null;
}
