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
      chatServiceApi: 'core',
      chatServiceRoomPath: '/v1/rooms/{room}',
      chatServiceMessagePath: '/v1/messages/{channel}/bot',
      chatServiceChannelCodes: {},
      secretsKey: undefined,
      secretsKeyPrevious: [],
      storage: 'local',
      duplicateWindowSeconds: 30,
      stagedUploadTtlHours: 24,
    });
    expect(config.dataDir).toBe(path.join(REPOSITORY_ROOT, '.data'));
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('applies the documented limits: GraphQL, request budgets, HTTP time limits, staged quota', () => {
    const config = loadConfig({});
    expect(config.graphqlLimits).toEqual({ maxAliases: 20, maxDepth: 16, maxDirectives: 20, maxTokens: 3000, maxCost: 1000 });
    expect(config.rateLimit).toEqual({ windowSeconds: 10, aiServicePoints: 1000, consolePoints: 500 });
    expect(config.httpIdleTimeoutSeconds).toBe(30);
    expect(config.httpRequestTimeoutSeconds).toBe(900);
    expect(config.stagedUploadQuotaBytes).toBe(2048 * 1024 * 1024);
    expect(config.introspection).toBe(true);
    expect(Object.isFrozen(config.graphqlLimits) && Object.isFrozen(config.rateLimit)).toBe(true);
  });

  it('turns introspection off under NODE_ENV=production unless GRAPHQL_INTROSPECTION=on', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'on' }).introspection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'off' }).introspection).toBe(false);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'maybe' })).toThrow(/GRAPHQL_INTROSPECTION must be on or off/);
  });

  it('takes a relative DATA_DIR from the repository root, wherever the process runs', () => {
    expect(loadConfig({ DATA_DIR: 'var/data' }).dataDir).toBe(path.join(REPOSITORY_ROOT, 'var/data'));
    expect(loadConfig({ DATA_DIR: '/srv/sa' }).dataDir).toBe('/srv/sa');
    expect(REPOSITORY_ROOT).toBe(path.resolve(import.meta.dirname, '..'));
  });

  it('lists every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        ADMIN_PORT: '70000',
        CHAT_SERVICE_URL: 'not a url',
        CHAT_SERVICE_API: 'soap',
        CHAT_SERVICE_ROOM_PATH: 'rooms/{room}',
        CHAT_SERVICE_MESSAGE_PATH: '/v1/messages/bot',
        CHAT_SERVICE_CHANNEL_CODES: 'wa_cloud=whatsup',
        STORAGE: 'ftp',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of [
      'PORT',
      'ADMIN_PORT',
      'CHAT_SERVICE_URL',
      'CHAT_SERVICE_API',
      'CHAT_SERVICE_ROOM_PATH',
      'CHAT_SERVICE_MESSAGE_PATH',
      'CHAT_SERVICE_CHANNEL_CODES',
      'STORAGE',
      'LOG_LEVEL',
    ]) {
      expect(message).toContain(name);
    }
  });

  it('reads the ChatService settings of a real deployment', () => {
    const config = loadConfig({
      CHAT_SERVICE_URL: 'https://chat-service.example.com/api/open/',
      CHAT_SERVICE_API: 'open',
      CHAT_SERVICE_MESSAGE_PATH: '/v1/messages/{channel}/bot',
      CHAT_SERVICE_CHANNEL_CODES: 'wa_cloud=whatsapp, tele=telegram',
    });
    expect(config).toMatchObject({
      chatServiceUrl: 'https://chat-service.example.com/api/open',
      chatServiceApi: 'open',
      chatServiceChannelCodes: { wa_cloud: 'whatsapp', tele: 'telegram' },
    });
    expect(() => loadConfig({ CHAT_SERVICE_URL: 'ftp://host/x' })).toThrow(/CHAT_SERVICE_URL must be an http or https URL/);
  });

  it('reads CHAT_SERVICE_CONVERSATION_URL and refuses one that is not an http(s) link to a conversation', () => {
    expect(loadConfig({}).chatServiceConversationUrl).toBeUndefined();
    const template = 'https://chat.example.com/inbox/{channel}/rooms/{conversationId}?from=send-attachment';
    expect(loadConfig({ CHAT_SERVICE_CONVERSATION_URL: template }).chatServiceConversationUrl).toBe(template);
    const refusals: [string, RegExp][] = [
      ['javascript:alert({conversationId})', /must be an http or https URL \(got "javascript:alert/],
      ['ftp://files.example.com/{conversationId}', /must be an http or https URL/],
      ['not a url {conversationId}', /must be an http or https URL/],
      ['https://chat.example.com/inbox', /must contain \{conversationId\}/],
      ['https://chat.example.com/{room}/{conversationId}', /only the placeholders \{conversationId\} and \{channel\} \(found \{room\}\)/],
      ['https://{conversationId}.example.com/', /placeholders out of the scheme and host/],
      ['https://chat.example.com:{channel}/{conversationId}', /placeholders out of the scheme and host|http or https URL/],
    ];
    for (const [value, reason] of refusals) {
      expect(() => loadConfig({ CHAT_SERVICE_CONVERSATION_URL: value }), value).toThrow(reason);
      expect(() => loadConfig({ CHAT_SERVICE_CONVERSATION_URL: value }), value).toThrow(/^Invalid configuration:\n {2}- CHAT_SERVICE_CONVERSATION_URL /);
    }
    let message = '';
    try {
      loadConfig({ CHAT_SERVICE_CONVERSATION_URL: 'https://bot:hunter2@chat.example.com/{conversationId}' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('CHAT_SERVICE_CONVERSATION_URL must not hold a user name or password');
    expect(message).not.toContain('hunter2');
  });

  it('names the settings of the pg-boss 10 release that are no longer read, and refuses a heartbeat pg-boss would refuse', () => {
    expect(() => loadConfig({ SEND_JOB_EXPIRE_SECONDS: '30', SEND_SWEEP_AFTER_SECONDS: '120' })).toThrow(
      /SEND_JOB_EXPIRE_SECONDS is no longer read: .*SEND_JOB_HEARTBEAT_SECONDS[\s\S]*SEND_SWEEP_AFTER_SECONDS is no longer read/,
    );
    expect(() => loadConfig({ SEND_JOB_HEARTBEAT_SECONDS: '5' })).toThrow(/SEND_JOB_HEARTBEAT_SECONDS must be a whole number from 10/);
    expect(loadConfig({}).sendJobHeartbeatSeconds).toBe(30);
  });

  describe('STORAGE=s3', () => {
    const S3 = {
      STORAGE: 's3',
      S3_BUCKET: 'acme-send-attachment',
      S3_ENDPOINT: 'http://minio.internal:9000',
      S3_REGION: 'eu-west-1',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'not-to-be-printed',
      S3_FORCE_PATH_STYLE: 'true',
    };
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('expected a ConfigError');
    };

    it('reads the bucket, endpoint, region, keys and path style', () => {
      const config = loadConfig(S3);
      expect(config.storage).toBe('s3');
      expect(config.s3).toEqual({
        bucket: 'acme-send-attachment',
        endpoint: 'http://minio.internal:9000',
        region: 'eu-west-1',
        accessKeyId: 'AKIAEXAMPLE',
        secretAccessKey: 'not-to-be-printed',
        forcePathStyle: true,
      });
      expect(loadConfig({ ...S3, S3_ENDPOINT: '', S3_FORCE_PATH_STYLE: '' }).s3).toMatchObject({ endpoint: undefined, forcePathStyle: false });
      expect(loadConfig({}).s3).toBeUndefined();
    });

    it('refuses to start without the settings it needs, naming every missing one', () => {
      const message = problemsOf({ STORAGE: 's3' });
      expect(message).toMatch(/STORAGE=s3 needs S3_BUCKET, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY/);
      expect(problemsOf({ ...S3, S3_SECRET_ACCESS_KEY: '' })).toMatch(/STORAGE=s3 needs S3_SECRET_ACCESS_KEY \(/);
    });

    it('lists an invalid bucket name, endpoint, region and path style together, never echoing the secret', () => {
      const message = problemsOf({ ...S3, S3_BUCKET: 'Acme_Files', S3_ENDPOINT: 'minio:9000', S3_REGION: 'EU West', S3_FORCE_PATH_STYLE: 'yes', PORT: 'x' });
      for (const name of ['S3_BUCKET', 'S3_ENDPOINT', 'S3_REGION', 'S3_FORCE_PATH_STYLE', 'PORT']) expect(message).toContain(name);
      expect(message).not.toContain('not-to-be-printed');
    });

    it.each([
      ['ab', /3 to 63/],
      ['a'.repeat(64), /3 to 63/],
      ['-acme', /begin and end/],
      ['acme..files', /two dots/],
      ['192.168.1.10', /IP address/],
      ['xn--acme', /reserves/],
    ])('refuses the bucket name %s as S3 would', (bucket, reason) => {
      expect(problemsOf({ ...S3, S3_BUCKET: bucket })).toMatch(reason);
    });
  });
});
