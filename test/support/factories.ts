import { FILES } from './files.js';
import { dataOf, type UploadFile } from './graphql-client.js';
import type { ResultOf } from './graphql.js';
import { ACTIONS, SAVE, TRAIN } from './operations.js';
import type { TestAccount, TestStack } from './stack.js';

/**
 * The one way a test makes a Send Attachment action: through the API, as the account's ADMIN
 * saving the drawer, its files uploaded inline in the same multipart request, with the
 * documents of test/support/operations.ts. Tests of the operations themselves (their refusals,
 * their answers) call those directly instead.
 */
export interface ActionSpec {
  name?: string;
  trigger?: string;
  contentMode?: 'AI' | 'MANUAL';
  contentMessage?: string | null;
  enabled?: boolean;
  linkFallback?: boolean;
  /** One 2 KB price-list.pdf unless given. */
  files?: UploadFile[];
}

export type CreatedAction = ResultOf<typeof SAVE>['saveSendAttachmentAction'];

/** An action as a builder leaves it after Save: not trained, so the AI service is not offered it yet. */
export async function createAction(stack: TestStack, account: TestAccount, spec: ActionSpec = {}): Promise<CreatedAction> {
  const files = spec.files ?? [{ name: 'price-list.pdf', content: FILES.pdf() }];
  const input = {
    agentId: account.agentId,
    name: spec.name ?? 'Price list',
    trigger: spec.trigger ?? 'When a customer asks for prices or the price list.',
    contentMode: spec.contentMode ?? 'AI',
    contentMessage: spec.contentMessage ?? null,
    enabled: spec.enabled ?? true,
    linkFallback: spec.linkFallback ?? null,
    attachmentIds: [],
  };
  const res = await stack.client.upload(
    account.tokens.ADMIN,
    SAVE,
    { input, files: files.map(() => null) },
    files.map((file, i) => ({ path: `variables.files.${i}`, file })),
  );
  return dataOf(res, 'saveSendAttachmentAction').saveSendAttachmentAction;
}

/** An action the agent has been trained with: what the AI service can call. */
export async function createTrainedAction(stack: TestStack, account: TestAccount, spec: ActionSpec = {}): Promise<CreatedAction> {
  const action = await createAction(stack, account, spec);
  await train(stack, account);
  return action;
}

export async function train(stack: TestStack, account: TestAccount): Promise<number> {
  const res = await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId });
  return dataOf(res, 'trainAgent').trainAgent.version;
}

/** The agent's actions as the API reports them. */
export async function listActions(stack: TestStack, account: TestAccount) {
  const res = await stack.client.query(account.tokens.ADMIN, ACTIONS, { agentId: account.agentId });
  return dataOf(res, 'actions').actions;
}
