import { FILES } from './files.js';
import { dataOf, type UploadFile } from './graphql-client.js';
import { graphql, type ResultOf } from './graphql.js';
import type { TestAccount, TestStack } from './stack.js';

/**
 * The one way a test makes a Send Attachment action: through the API, as the account's ADMIN
 * saving the drawer, its files uploaded inline in the same multipart request. Tests of the
 * operations themselves (their refusals, their answers) call them directly instead
 * (test/support/operations.ts).
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

const SaveAction = graphql(`
  mutation FactorySaveAction($input: SaveSendAttachmentActionInput!, $files: [Upload!]) {
    saveSendAttachmentAction(input: $input, files: $files) {
      id
      name
      version
      trigger
      contentMode
      contentMessage
      enabled
      linkFallback
      attachments {
        id
        fileName
        kind
        sha256
        sizeBytes
      }
    }
  }
`);

const TrainAgent = graphql(`
  mutation FactoryTrainAgent($agentId: ID!) {
    trainAgent(agentId: $agentId) {
      version
    }
  }
`);

const ListActions = graphql(`
  query FactoryListActions($agentId: ID!) {
    actions(agentId: $agentId) {
      id
      name
      trigger
      contentMode
      contentMessage
      enabled
      version
      linkFallback
      attachments {
        id
        fileName
        kind
      }
    }
  }
`);

export type CreatedAction = ResultOf<typeof SaveAction>['saveSendAttachmentAction'];

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
    SaveAction,
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
  const res = await stack.client.query(account.tokens.ADMIN, TrainAgent, { agentId: account.agentId });
  return dataOf(res, 'trainAgent').trainAgent.version;
}

/** The agent's actions as the API reports them. */
export async function listActions(stack: TestStack, account: TestAccount) {
  const res = await stack.client.query(account.tokens.ADMIN, ListActions, { agentId: account.agentId });
  return dataOf(res, 'actions').actions;
}
