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

  it('names the settings of the pg-boss 10 release that are no longer read, and refuses a heartbeat pg-boss would refuse', () => {
    expect(() => loadConfig({ SEND_JOB_EXPIRE_SECONDS: '30', SEND_SWEEP_AFTER_SECONDS: '120' })).toThrow(
      /SEND_JOB_EXPIRE_SECONDS is no longer read: .*SEND_JOB_HEARTBEAT_SECONDS[\s\S]*SEND_SWEEP_AFTER_SECONDS is no longer read/,
    );
    expect(() => loadConfig({ SEND_JOB_HEARTBEAT_SECONDS: '5' })).toThrow(/SEND_JOB_HEARTBEAT_SECONDS must be a whole number from 10/);
    expect(loadConfig({}).sendJobHeartbeatSeconds).toBe(30);
  });
});
