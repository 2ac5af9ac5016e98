import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../private-files.js';

/**
 * Secrets at rest (the accounts' ChatService tokens): AES-256-GCM with the key from SECRETS_KEY,
 * or, for the embedded default on one machine, a key generated into DATA_DIR/secrets.key.
 *
 * A sealed value is `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url parts). The key id is a
 * short hash of the key, so a value sealed with another key is refused with a message naming
 * both keys instead of decrypting to garbage (GCM's tag would catch that too, less clearly).
 * Each value is bound to its context (the column and the account id) as additional data, so a
 * sealed token copied onto another account does not open.
 */

/** An invalid or missing key: start-up stops with this message (see main.ts and ops.ts). */
export class SecretsError extends Error {}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
export const KEY_FILE_NAME = 'secrets.key';

/** A 32-byte key written as base64 (44 characters) or hex (64); null when it is neither. */
export function parseSecretKey(raw: string): Buffer | null {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  return null;
}

export function keyIdOf(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** The key id a sealed value names, or null when it is not a sealed value. */
export function keyIdOfSealed(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === VERSION ? parts[1]! : null;
}

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  /** `previous`: keys still accepted for opening during a rotation (SECRETS_KEY_PREVIOUS). */
  constructor(
    private readonly current: Buffer,
    previous: readonly Buffer[] = [],
    /** Where the current key came from, for error messages: never the key itself. */
    readonly source = 'SECRETS_KEY',
  ) {
    this.currentKeyId = keyIdOf(current);
    for (const key of [current, ...previous]) this.keys.set(keyIdOf(key), key);
  }

  knows(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  seal(plaintext: string, context: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.current, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const b64 = (b: Buffer) => b.toString('base64url');
    return [VERSION, this.currentKeyId, b64(iv), b64(ciphertext), b64(cipher.getAuthTag())].join('.');
  }

  /**
   * An HMAC-SHA256 of `data` (base64url) with a key derived from the current one for `purpose`
   * (HKDF), so a signature never doubles as anything else the key protects.
   */
  sign(purpose: string, data: string): string {
    return hmac(this.current, purpose, data);
  }

  /** True when `signature` is `data`'s under the current key or a previous one (a rotation keeps links working). */
  verify(purpose: string, data: string, signature: string): boolean {
    const given = Buffer.from(signature, 'base64url');
    return [...this.keys.values()].some((key) => {
      const expected = Buffer.from(hmac(key, purpose, data), 'base64url');
      return expected.length === given.length && crypto.timingSafeEqual(expected, given);
    });
  }

  /** Throws SecretsError when the value was sealed with an unknown key, or altered, or for another context. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretsError('not a sealed secret (expected v1.<key id>.…)');
    const [, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretsError(
        `sealed with key ${keyId}, but ${this.source} is key ${this.currentKeyId}` +
          ' (during a rotation, give the old key as SECRETS_KEY_PREVIOUS; see docs/deployment.md)',
      );
    }
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretsError(`does not decrypt with key ${keyId}: altered, or sealed for another account`);
    }
  }
}

function hmac(key: Buffer, purpose: string, data: string): string {
  const derived = Buffer.from(crypto.hkdfSync('sha256', key, Buffer.alloc(0), `send-attachment:${purpose}`, KEY_BYTES));
  return crypto.createHmac('sha256', derived).update(data).digest('base64url');
}

/**
 * The box for this process. SECRETS_KEY wins. Without it, DATA_DIR/secrets.key is read, or
 * created (mode 0600) when `mayCreate` (the embedded database: one machine, one data directory).
 * With an external database every API node and worker must share one key, so a missing key
 * file there is an error rather than a fresh key that would open nothing the others sealed.
 */
export function openSecretBox(options: {
  secretsKey: Buffer | undefined;
  previousKeys: readonly Buffer[];
  dataDir: string;
  mayCreate: boolean;
}): SecretBox {
  if (options.secretsKey) return new SecretBox(options.secretsKey, options.previousKeys, 'SECRETS_KEY');
  const file = path.join(options.dataDir, KEY_FILE_NAME);
  if (!fs.existsSync(file)) {
    if (!options.mayCreate) {
      throw new SecretsError(
        `SECRETS_KEY is not set and ${file} does not exist. With DATABASE_URL, every API node and worker ` +
          'needs the same key: set SECRETS_KEY (32 bytes, base64 or hex; see docs/deployment.md).',
      );
    }
    makePrivateDir(options.dataDir);
    // Written whole to a temporary name, then linked into place: of two processes starting at
    // once, one creates the key and the other reads that key, never a half-written file.
    const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(temporary, `${crypto.randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    try {
      fs.linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new SecretsError(`${file} is readable by other users (mode ${mode.toString(8)}): run chmod 600 on it`);
  }
  const key = parseSecretKey(fs.readFileSync(file, 'utf8'));
  if (!key) throw new SecretsError(`${file} does not hold a 32-byte key (base64 or hex)`);
  return new SecretBox(key, options.previousKeys, file);
}

/** The box for a process with this configuration (see openSecretBox). */
export function secretBoxFor(config: {
  secretsKey: Buffer | undefined;
  secretsKeyPrevious: readonly Buffer[];
  dataDir: string;
  databaseUrl: string | undefined;
}): SecretBox {
  return openSecretBox({
    secretsKey: config.secretsKey,
    previousKeys: config.secretsKeyPrevious,
    dataDir: config.dataDir,
    // The embedded database lives in DATA_DIR too: one machine, so a key of its own is safe.
    mayCreate: config.databaseUrl === undefined,
  });
}
