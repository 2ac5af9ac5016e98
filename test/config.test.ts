import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ConfigError, loadConfig, REPOSITORY_ROOT } from '../server/src/infra/config/config.js';

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
    expect(config.dataDir).toBe(path.join(REPOSITORY_ROOT, '.data'));
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes a relative DATA_DIR from the repository root, wherever the process runs', () => {
    expect(loadConfig({ DATA_DIR: 'var/data' }).dataDir).toBe(path.join(REPOSITORY_ROOT, 'var/data'));
    expect(loadConfig({ DATA_DIR: '/srv/sa' }).dataDir).toBe('/srv/sa');
    expect(REPOSITORY_ROOT).toBe(path.resolve(import.meta.dirname, '..'));
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
