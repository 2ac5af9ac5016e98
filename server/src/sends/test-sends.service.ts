import { Permission } from '../accounts/roles.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { ChatServiceCredentialsStore } from '../accounts/chat-service-credentials.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import type { ChatServiceAdapter } from '../chat-service/chat-service.adapter.js';
import { AppError, InputReason } from '../infra/errors.js';
import { requireConversationId } from '../infra/input-rules.js';
import type { Logger } from '../infra/log/logger.js';
import type { SendOutcomes } from './send-outcomes.js';
import type { SendInvokeService } from './sends.invoke.service.js';
import type { TestConversationsRepository } from './test-conversations.repository.js';

/** Limits of the test conversations (docs/security.md). */
export const TEST_CONVERSATION_LIMITS = { maxPerAccount: 20, maxLabelChars: 100 } as const;
/** How long "Send a test" waits for the outcome before it answers QUEUED (the history has the rest). */
export const TEST_SEND_WAIT_MS = 10_000;

/**
 * "Send a test" (issue 13 item 14): an admin keeps a short list of the account's own ChatService
 * conversations for testing, and a builder sends an action's files to one of them, now, through
 * the invoke path and the delivery worker. The send is marked `is_test`: in the history, never
 * in the stats or alerts. Only listed conversations can be sent to, so a builder (who cannot
 * invoke) cannot use a test to send files into a customer's conversation.
 */
export class TestSendsService {
  constructor(
    private readonly conversations: TestConversationsRepository,
    private readonly accounts: AccountsService,
    private readonly credentials: ChatServiceCredentialsStore,
    private readonly chatService: ChatServiceAdapter,
    private readonly invoke: SendInvokeService,
    private readonly outcomes: SendOutcomes,
    private readonly log: Logger,
  ) {}

  async list(viewer: Viewer | null) {
    const me = requirePermission(viewer, Permission.CONFIG_READ);
    return this.conversations.list(me.accountId);
  }

  /**
   * Adds (or renames) a test conversation once the account's ChatService knows it as one of
   * the account's rooms; its channel is kept to show beside its name.
   */
  async add(viewer: Viewer | null, input: { conversationId: string; label: string }) {
    const me = requirePermission(viewer, Permission.TEST_CONVERSATIONS_MANAGE);
    return this.addFor(me.accountId, input);
  }

  /** Unchecked: for the demo seed (the simulator's rooms). */
  async addFor(accountId: string, input: { conversationId: string; label: string }) {
    const conversationId = input.conversationId.trim();
    requireConversationId(conversationId);
    const label = input.label.trim();
    if (!label) throw AppError.badInput('label', InputReason.NAME_REQUIRED, 'Give the test conversation a name builders will recognise, e.g. "QA WhatsApp".');
    if (label.length > TEST_CONVERSATION_LIMITS.maxLabelChars) {
      throw AppError.badInput('label', InputReason.TOO_LONG, `The name must be at most ${TEST_CONVERSATION_LIMITS.maxLabelChars} characters.`);
    }
    const account = await this.accounts.requireAccount(accountId);
    const settings = this.credentials.open({ accountId: account.id, sealedToken: account.chatServiceTokenSealed, organizationId: account.chatServiceOrg });
    const room = await this.chatService.lookupRoom(settings, conversationId);
    if (room.kind === 'not_found') {
      throw AppError.badInput('conversationId', InputReason.INVALID_VALUE, "ChatService has no conversation with this id for this account. Copy the id from the conversation's page in ChatService.");
    }
    if (room.kind !== 'found') {
      throw AppError.badInput(
        'conversationId',
        InputReason.INVALID_VALUE,
        room.kind === 'credentials'
          ? "ChatService refused this account's token, so the conversation cannot be checked. Operations (OPS) can set the token."
          : 'ChatService did not answer, so the conversation cannot be checked now. Try again in a minute.',
      );
    }
    const saved = await this.conversations.upsert({ accountId, conversationId, label, channel: room.room.channel }, TEST_CONVERSATION_LIMITS.maxPerAccount);
    if (!saved) {
      throw AppError.badInput('conversationId', InputReason.TOO_MANY_VALUES, `An account has at most ${TEST_CONVERSATION_LIMITS.maxPerAccount} test conversations. Remove one first.`);
    }
    return saved;
  }

  async remove(viewer: Viewer | null, conversationId: string) {
    const me = requirePermission(viewer, Permission.TEST_CONVERSATIONS_MANAGE);
    if (!(await this.conversations.remove(me.accountId, conversationId))) throw AppError.notFound('test conversation');
    return true;
  }

  /** Sends the action's files to one of the account's test conversations and waits (10 s at most) for the outcome. */
  async send(viewer: Viewer | null, actionId: string, conversationId: string) {
    const me = requirePermission(viewer, Permission.CONFIG_WRITE);
    if (!(await this.conversations.find(me.accountId, conversationId))) {
      throw AppError.badInput(
        'conversationId',
        InputReason.INVALID_VALUE,
        "This is not one of the account's test conversations. An admin adds them under Settings → Test conversations.",
      );
    }
    const receipt = await this.invoke.invokeTest(me.accountId, actionId, conversationId);
    this.log.info('sends.test_sent', { accountId: me.accountId, actionId, sendId: receipt.sendId, status: receipt.status });
    return this.outcomes.settle(me.accountId, receipt, TEST_SEND_WAIT_MS);
  }
}
