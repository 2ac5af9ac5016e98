import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/src/infra/config/config.js';
import { keyIdOf, openSecretBox, parseSecretKey, SecretBox, SecretsError } from '../server/src/infra/secrets/secrets.js';

const key = () => crypto.randomBytes(32);

describe('secrets at rest (AES-256-GCM)', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-secrets-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('seals a token so that it opens only with its key and its context, and never shows in the sealed value', () => {
    const box = new SecretBox(key());
    const sealed = box.seal('tok_secret_123', 'accounts.chat_service_token:a1');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{12}\./);
    expect(sealed).not.toContain('tok_secret_123');
    expect(box.seal('tok_secret_123', 'accounts.chat_service_token:a1')).not.toBe(sealed);
    expect(box.open(sealed, 'accounts.chat_service_token:a1')).toBe('tok_secret_123');
    expect(() => box.open(sealed, 'accounts.chat_service_token:a2')).toThrow(/sealed for another account/);
  });

  it('refuses an altered value instead of returning garbage', () => {
    const box = new SecretBox(key());
    const parts = box.seal('tok', 'c').split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    parts[3] = flipped.toString('base64url');
    expect(() => box.open(parts.join('.'), 'c')).toThrow(SecretsError);
    expect(() => box.open('plain-token', 'c')).toThrow(/not a sealed secret/);
  });

  it('names both keys when a value was sealed with another one, and opens it once that key is a previous key', () => {
    const oldKey = key();
    const newKey = key();
    const sealed = new SecretBox(oldKey).seal('tok', 'c');
    expect(() => new SecretBox(newKey).open(sealed, 'c')).toThrow(
      `sealed with key ${keyIdOf(oldKey)}, but SECRETS_KEY is key ${keyIdOf(newKey)}`,
    );
    const rotating = new SecretBox(newKey, [oldKey]);
    expect(rotating.open(sealed, 'c')).toBe('tok');
    expect(rotating.seal('tok', 'c').split('.')[1]).toBe(keyIdOf(newKey));
  });

  it('reads SECRETS_KEY as base64 or hex, 32 bytes exactly, and never echoes a bad one', () => {
    const k = key();
    expect(parseSecretKey(k.toString('base64'))).toEqual(k);
    expect(parseSecretKey(k.toString('base64url'))).toEqual(k);
    expect(parseSecretKey(k.toString('hex'))).toEqual(k);
    expect(parseSecretKey(crypto.randomBytes(16).toString('base64'))).toBeNull();
    expect(loadConfig({ SECRETS_KEY: k.toString('base64') }).secretsKey).toEqual(k);
    let error: unknown;
    try {
      loadConfig({ SECRETS_KEY: 'hunter2-not-a-key', SECRETS_KEY_PREVIOUS: 'also-bad' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('SECRETS_KEY must be 32 bytes');
    expect((error as Error).message).toContain('SECRETS_KEY_PREVIOUS must be 32 bytes');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('generates a key into the data directory with mode 0600 for the embedded default, and reuses it', () => {
    const dir = tempDir();
    const first = openSecretBox({ secretsKey: undefined, previousKeys: [], dataDir: dir, mayCreate: true });
    const file = path.join(dir, 'secrets.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const again = openSecretBox({ secretsKey: undefined, previousKeys: [], dataDir: dir, mayCreate: false });
    expect(again.currentKeyId).toBe(first.currentKeyId);
    expect(again.open(first.seal('tok', 'c'), 'c')).toBe('tok');
    expect(fs.readdirSync(dir)).toEqual(['secrets.key']);
  });

  it('stops with a clear message when the key is missing (external database) or the key file is unsafe', () => {
    const dir = tempDir();
    expect(() => openSecretBox({ secretsKey: undefined, previousKeys: [], dataDir: dir, mayCreate: false })).toThrow(
      /SECRETS_KEY is not set and .*secrets\.key does not exist.*set SECRETS_KEY/,
    );
    fs.writeFileSync(path.join(dir, 'secrets.key'), `${key().toString('base64')}\n`, { mode: 0o644 });
    fs.chmodSync(path.join(dir, 'secrets.key'), 0o644);
    expect(() => openSecretBox({ secretsKey: undefined, previousKeys: [], dataDir: dir, mayCreate: false })).toThrow(/readable by other users \(mode 644\)/);
    fs.writeFileSync(path.join(dir, 'secrets.key'), 'short\n');
    fs.chmodSync(path.join(dir, 'secrets.key'), 0o600);
    expect(() => openSecretBox({ secretsKey: undefined, previousKeys: [], dataDir: dir, mayCreate: false })).toThrow(/does not hold a 32-byte key/);
  });

  it('takes SECRETS_KEY over any key file', () => {
    const dir = tempDir();
    const k = key();
    const box = openSecretBox({ secretsKey: k, previousKeys: [], dataDir: dir, mayCreate: true });
    expect(box.currentKeyId).toBe(keyIdOf(k));
    expect(fs.existsSync(path.join(dir, 'secrets.key'))).toBe(false);
  });
});
