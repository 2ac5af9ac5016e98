import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../sends/sends.types.js';
import { Permission, Role } from './roles.js';

registerEnumType(Role, { name: 'Role', description: 'The one role of an API token.' });
registerEnumType(Permission, { name: 'Permission' });

@ObjectType({ description: 'The caller: the account and role of the bearer token.' })
export class Me {
  @Field(() => ID)
  accountId!: string;

  @Field(() => String)
  accountName!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => [String], { description: 'Feature flags that are on for this account.' })
  featureFlags!: string[];

  @Field(() => [Permission], { description: 'What this role may do; the admin renders controls from it.' })
  permissions!: Permission[];
}

@ObjectType({ description: 'An API token of the account, as ADMIN sees it: never the secret itself.' })
export class ApiToken {
  @Field(() => ID)
  id!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Null: the token does not expire.' })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Set once revoked; a revoked token is refused by every server within a second.' })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'To the minute.' })
  lastUsedAt!: Date | null;

  @Field(() => Boolean, { description: 'The token this request was made with.' })
  current!: boolean;
}

@ObjectType({ description: "An account's ChatService settings as far as they can be read back: the token never is." })
export class ChatServiceSettings {
  @Field(() => ID)
  accountId!: string;

  @Field(() => Boolean, { description: 'Whether a ChatService token is set (it is stored encrypted and never returned).' })
  tokenSet!: boolean;

  @Field(() => String, { nullable: true, description: 'The ChatService organization id the rooms of this account carry, if set.' })
  organizationId!: string | null;
}

@ObjectType({ description: 'One change of a feature flag: who made it, when, and from which value.' })
export class FeatureFlagChange {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  accountId!: string;

  @Field(() => String)
  accountName!: string;

  @Field(() => String)
  flag!: string;

  @Field(() => Boolean, { nullable: true, description: 'The value before; null when the flag had never been set (it read as off).' })
  fromEnabled!: boolean | null;

  @Field(() => Boolean)
  toEnabled!: boolean;

  @Field(() => String, { description: 'Who made it: a token by its role and id prefix ("OPS token 1a2b3c4d"), or the ops CLI with its user and host.' })
  changedBy!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType({ description: 'Flag changes, newest first.' })
export class FeatureFlagChangeConnection {
  @Field(() => [FeatureFlagChange])
  nodes!: FeatureFlagChange[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
