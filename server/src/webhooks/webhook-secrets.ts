import { keyIdOfSealed, type SecretBox } from '../infra/secrets/secrets.js';

/** Bound to the account and the endpoint: a sealed secret copied onto another row does not open. */
const secretContext = (accountId: string, endpointId: string) => `webhook_endpoints.secret:${accountId}:${endpointId}`;

/** The one place an endpoint's signing secret is sealed and opened (the worker opens it to sign). */
export class WebhookSecrets {
  constructor(private readonly box: SecretBox) {}

  seal(accountId: string, endpointId: string, secret: string): string {
    return this.box.seal(secret, secretContext(accountId, endpointId));
  }

  /** Throws SecretsError when it does not open (another key, an altered row). */
  open(accountId: string, endpointId: string, sealed: string): string {
    return this.box.open(sealed, secretContext(accountId, endpointId));
  }

  isCurrent(sealed: string): boolean {
    return keyIdOfSealed(sealed) === this.box.currentKeyId;
  }

  /** Key ids this process cannot open. */
  unknownKeys(keyIds: readonly string[]): string[] {
    return keyIds.filter((id) => !this.box.knows(id));
  }

  get currentKeyId(): string {
    return this.box.currentKeyId;
  }
}
