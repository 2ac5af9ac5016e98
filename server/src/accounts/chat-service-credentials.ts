import type { ChatServiceCredentials } from '../chat-service/chat-service.adapter.js';
import type { Database } from '../infra/db/db.js';
import { AccountsRepository } from './accounts.repository.js';
import { keyIdOfSealed, SecretsError, type SecretBox } from '../infra/secrets/secrets.js';
import { WebhookSecrets } from '../webhooks/webhook-secrets.js';
import { WebhooksRepository } from '../webhooks/webhooks.repository.js';

/** The sealed token is bound to its account: copied onto another account's row, it does not open. */
const tokenContext = (accountId: string) => `accounts.chat_service_token:${accountId}`;

/**
 * The one place an account's ChatService token is sealed and opened. Invoke (room lookups) and
 * the delivery worker open it just before a call; nothing else ever holds it in clear.
 */
export class ChatServiceCredentialsStore {
  constructor(private readonly box: SecretBox) {}

  seal(accountId: string, token: string): string {
    return this.box.seal(token, tokenContext(accountId));
  }

  /**
   * The credentials to call ChatService with. A token that does not open (another key, an
   * altered row) is reported like a missing one, with the reason: never a garbage token.
   */
  open(account: { accountId: string; sealedToken: string | null; organizationId: string | null }): ChatServiceCredentials {
    const base = { accountId: account.accountId, organizationId: account.organizationId };
    if (!account.sealedToken) return { ...base, token: null };
    try {
      return { ...base, token: this.box.open(account.sealedToken, tokenContext(account.accountId)) };
    } catch (error) {
      if (!(error instanceof SecretsError)) throw error;
      return { ...base, token: null, tokenProblem: `the account's ChatService token cannot be opened: ${error.message}` };
    }
  }

  /** True when `sealed` was sealed with the current key (a rotation leaves it alone). */
  isCurrent(sealed: string): boolean {
    return keyIdOfSealed(sealed) === this.box.currentKeyId;
  }

  /** The same token sealed with the current key; throws SecretsError when it does not open. */
  reseal(accountId: string, sealed: string): string {
    return this.seal(accountId, this.box.open(sealed, tokenContext(accountId)));
  }

  /** Throws SecretsError when some stored token was sealed with a key this process lacks. */
  checkKeys(keyIds: readonly string[]): void {
    const unknown = keyIds.filter((id) => !this.box.knows(id));
    if (unknown.length === 0) return;
    throw new SecretsError(
      `ChatService tokens in the database were sealed with key ${unknown.join(', ')}, but this process has key ` +
        `${this.box.currentKeyId} (from ${this.box.source}). Start every API node and worker with the same SECRETS_KEY; ` +
        'during a rotation give the old one as SECRETS_KEY_PREVIOUS (docs/deployment.md).',
    );
  }
}

/**
 * Throws SecretsError when a token in the database was sealed with a key this process lacks: a
 * node started with the wrong SECRETS_KEY (or a fresh key file) stops at start-up, rather than
 * failing every send later. Run by startServer and by every `pnpm ops` command.
 */
export async function checkSecretKeys(database: Database, secrets: SecretBox): Promise<void> {
  new ChatServiceCredentialsStore(secrets).checkKeys(await new AccountsRepository(database.db).sealedKeyIds());
  // The webhooks' signing secrets are sealed with the same key (docs/webhooks.md).
  const webhooks = new WebhookSecrets(secrets);
  const unknown = webhooks.unknownKeys(await new WebhooksRepository(database.db).sealedKeyIds());
  if (unknown.length > 0) {
    throw new SecretsError(
      `Webhook signing secrets in the database were sealed with key ${unknown.join(', ')}, but this process has key ${webhooks.currentKeyId} ` +
        `(from ${secrets.source}). Start every API node and worker with the same SECRETS_KEY; during a rotation give the old one as ` +
        'SECRETS_KEY_PREVIOUS (docs/deployment.md).',
    );
  }
}
