import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
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
