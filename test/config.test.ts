import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/src/infra/config/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      port: 4000,
      adminPort: 3000,
      chatServiceUrl: undefined,
      chatServicePort: 4010,
      storage: 'local',
      duplicateWindowSeconds: 30,
      stagedUploadTtlHours: 24,
    });
    expect(config.dataDir.endsWith('.data')).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', ADMIN_PORT: '70000', CHAT_SERVICE_URL: 'not a url', STORAGE: 'ftp', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'ADMIN_PORT', 'CHAT_SERVICE_URL', 'STORAGE', 'LOG_LEVEL']) expect(message).toContain(name);
  });
});
