import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNEL_IDS, type ChannelId } from '../../channels/channels.js';
import { conversationUrlProblem } from '../../sends/conversation-url.js';
import { parseSecretKey } from '../secrets/secrets.js';

/** Every setting the server reads, parsed once at start. Nothing else reads process.env. */
export interface Config {
  /** Unset: an embedded Postgres is started under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  /**
   * Where customers reach this API (PUBLIC_URL): the base of the download links the link
   * fallback sends. Every worker must know it, so it is a setting, not the listening address.
   */
  publicUrl: string;
  /** How long a download link works (DOWNLOAD_LINK_TTL_DAYS). */
  downloadLinkTtlDays: number;
  adminPort: number;
  /**
   * ChatService's base URL, path prefix included (`https://host/api/core`); a URL without a
   * path gets the prefix of `chatServiceApi`. Unset: `pnpm start` runs the simulator on
   * `chatServicePort`. Read by the adapter only (chat-service/chat-service.adapter.ts).
   */
  chatServiceUrl: string | undefined;
  chatServicePort: number;
  /** `core`: the PRD's internal API (default prefix /api/core); `open`: Qontak's published open API (/api/open). */
  chatServiceApi: 'core' | 'open';
  /** Below the base URL; `{room}` is the conversation id. */
  chatServiceRoomPath: string;
  /** Below the base URL; `{channel}` is our channel id (whatsapp, telegram, …). */
  chatServiceMessagePath: string;
  /** Channel codes of this deployment beyond the built-in ones, e.g. `wa_cloud=whatsapp`. */
  chatServiceChannelCodes: Readonly<Record<string, ChannelId>>;
  /**
   * ChatService's page of one conversation, with `{conversationId}` and optionally `{channel}`
   * (sends/conversation-url.ts). Unset: the history shows conversation ids as plain text.
   */
  chatServiceConversationUrl: string | undefined;
  /** AES-256-GCM key for secrets at rest; unset: DATA_DIR/secrets.key (see infra/secrets). */
  secretsKey: Buffer | undefined;
  /** Keys still accepted for opening secrets while a rotation is under way. */
  secretsKeyPrevious: readonly Buffer[];
  /** Where file bytes live (docs/storage.md): `local` under DATA_DIR, or an S3-compatible bucket. */
  storage: 'local' | 's3';
  /** Set exactly when `storage` is `s3`. */
  s3: Readonly<S3Settings> | undefined;
  alertWebhookUrl: string | undefined;
  /** Rate rules stay quiet over fewer finished sends than this in their window. */
  alertMinSends: number;
  /** First retry delay of a failed webhook post (doubling after). */
  alertWebhookRetryDelaySeconds: number;
  /** A second invoke for the same action and conversation within this window is deduplicated. */
  duplicateWindowSeconds: number;
  /** Staged uploads no action references are removed after this many hours. */
  stagedUploadTtlHours: number;
  /** Sends delivered at once by the worker inside `pnpm start`; 0 runs no worker in that process. */
  workerConcurrency: number;
  /**
   * At most this many of one account's sends are delivered at once, across every worker process
   * (pg-boss counts them in its fetch): one account's slow ChatService cannot hold every slot,
   * and adding machines does not multiply the load one account puts on its ChatService.
   */
  workerAccountConcurrency: number;
  /** Idle worker poll (ms): the fallback when no NOTIFY wakes it (retries whose backoff ended). */
  workerPollMs: number;
  /** Base of pg-boss's exponential retry backoff for deliveries (seconds; 0 retries at once). */
  sendRetryDelaySeconds: number;
  /**
   * A delivery job whose worker stopped heartbeating for this long goes back to the queue (pg-boss
   * notices within another `queueMaintenanceSeconds`). pg-boss's minimum is 10.
   */
  sendJobHeartbeatSeconds: number;
  /** How often pg-boss's supervisor runs: it returns jobs whose heartbeat stopped or that ran past expiry. */
  queueMaintenanceSeconds: number;
  /** Timeout of a room lookup (the invoke path waits on it). */
  chatServiceTimeoutMs: number;
  /**
   * How long a room's account and channel, once found, are reused by invokes without asking
   * ChatService again (0: every invoke asks). A room does not change account or channel.
   */
  chatServiceRoomCacheSeconds: number;
  /** Timeout of one file upload to ChatService. */
  chatServiceUploadTimeoutMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Limits every GraphQL operation must stay within; checked before it runs (docs/security.md). */
  graphqlLimits: Readonly<GraphqlLimits>;
  /** Whether signed-in callers may introspect the schema; anonymous callers never may. */
  introspection: boolean;
  /** Per-account request budgets (0 points: unlimited); see infra/http/request-budget.ts. */
  rateLimit: Readonly<{ windowSeconds: number; aiServicePoints: number; consolePoints: number }>;
  /** A request body that sends nothing for this long is cut off. */
  httpIdleTimeoutSeconds: number;
  /** A request whose body has not fully arrived after this long is cut off. */
  httpRequestTimeoutSeconds: number;
  /** Staged (uploaded, not yet pinned) bytes one account may hold at once. */
  stagedUploadQuotaBytes: number;
  /**
   * Whether this process fires the cron schedules (stats fold, alerts, cleanup). The schedules
   * are kept in the database either way, and any process with this on fires them (once each).
   */
  scheduledJobs: boolean;
  /** Embedded Postgres only: load pg_stat_statements (what the benchmarks read per statement). */
  embeddedStatStatements: boolean;
  /** Account webhooks (docs/webhooks.md). */
  webhooks: Readonly<WebhookSettings>;
}

export interface WebhookSettings {
  /** Tests only: http:// endpoints are accepted and delivered to (otherwise https only). */
  allowHttp: boolean;
  /** Tests only: loopback, private and other non-public addresses may be delivered to. */
  allowPrivateAddresses: boolean;
  connectTimeoutMs: number;
  /** One attempt, from its start to the end of the (truncated) answer. */
  timeoutMs: number;
  /** Attempts of one delivery before it is FAILED. */
  maxAttempts: number;
  /** Delay before the first retry; it doubles at each attempt, up to `maxRetryDelaySeconds`. */
  retryDelaySeconds: number;
  maxRetryDelaySeconds: number;
  /** Deliveries at once in this process; 0 runs no webhook worker (nor relay) here. */
  concurrency: number;
  /** How often the relay looks for new deliveries to put on the queue. */
  relayPollMs: number;
  /** Days a finished delivery (and its attempts) is kept; pending ones are never removed. */
  retentionDays: number;
}

export interface GraphqlLimits {
  maxAliases: number;
  maxDepth: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
}

export interface S3Settings {
  bucket: string;
  /** Unset: AWS's own endpoint for `region`. */
  endpoint: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `bucket` in the path rather than the host name; most S3-compatible servers need it. */
  forcePathStyle: boolean;
}

export class ConfigError extends Error {}

/**
 * Why `name` is not a valid S3 bucket name, or undefined when it is (the general-purpose
 * bucket rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two dots in a row';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not look like an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) {
    return 'uses a prefix or suffix S3 reserves';
  }
  return undefined;
}

/** The repository root, found from this file (server/src/infra/config/). */
export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * DATA_DIR, or `.data` at the repository root. A relative path is taken from the repository
 * root too, so `pnpm start` (run from server/) and `pnpm ops` (run from the root) share it.
 */
export function resolveDataDir(value: string | undefined): string {
  return path.resolve(REPOSITORY_ROOT, value || '.data');
}

type Env = Record<string, string | undefined>;

const RETIRED: Readonly<Record<string, string>> = {
  SEND_JOB_EXPIRE_SECONDS: 'a delivery whose worker stops comes back after SEND_JOB_HEARTBEAT_SECONDS (pg-boss 12 heartbeats)',
  SEND_SWEEP_AFTER_SECONDS: 'a delivery job pg-boss gives up on goes to a dead letter queue and is requeued at once',
};

/** Parses the environment; throws one ConfigError listing every invalid variable. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const problems: string[] = [];

  const int = (name: string, fallback: number, min = 0, max = 65535): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const url = (name: string): string | undefined => {
    const raw = env[name];
    if (!raw) return undefined;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
      return raw.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} must be an http or https URL (got "${raw}")`);
      return undefined;
    }
  };

  // Settings of the previous release that mean something else now: say so rather than ignore them.
  for (const [name, instead] of Object.entries(RETIRED)) {
    if (env[name] !== undefined) problems.push(`${name} is no longer read: ${instead}`);
  }

  const path_ = (name: string, fallback: string, placeholder: string): string => {
    const raw = env[name];
    if (!raw) return fallback;
    if (!raw.startsWith('/') || !raw.includes(placeholder) || /[?#\s]/.test(raw)) {
      problems.push(`${name} must be a path starting with / that contains ${placeholder} (got "${raw}")`);
      return fallback;
    }
    return raw;
  };
  const key = (name: string, raw: string): Buffer | undefined => {
    const parsed = parseSecretKey(raw);
    // Never echo the value: it is a key, or meant to be.
    if (!parsed) problems.push(`${name} must be 32 bytes written as base64 (44 characters) or hex (64 characters)`);
    return parsed ?? undefined;
  };
  const chatServiceApi = (env.CHAT_SERVICE_API || 'core') as Config['chatServiceApi'];
  if (chatServiceApi !== 'core' && chatServiceApi !== 'open') {
    problems.push(`CHAT_SERVICE_API must be core or open (got "${chatServiceApi}")`);
  }
  const chatServiceChannelCodes: Record<string, ChannelId> = {};
  for (const pair of (env.CHAT_SERVICE_CHANNEL_CODES ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [code, channel] = pair.split('=').map((p) => p.trim());
    if (!code || !channel || !(CHANNEL_IDS as string[]).includes(channel)) {
      problems.push(`CHAT_SERVICE_CHANNEL_CODES takes code=channel pairs, channel one of ${CHANNEL_IDS.join(', ')} (got "${pair}")`);
    } else {
      chatServiceChannelCodes[code] = channel as ChannelId;
    }
  }
  const chatServiceConversationUrl = env.CHAT_SERVICE_CONVERSATION_URL || undefined;
  const conversationUrlError = chatServiceConversationUrl && conversationUrlProblem(chatServiceConversationUrl);
  if (conversationUrlError) {
    // A URL with a password in it is not echoed.
    const got = /^[^/?#]*\/\/[^/?#]*@/.test(chatServiceConversationUrl) ? '' : ` (got "${chatServiceConversationUrl}")`;
    problems.push(`CHAT_SERVICE_CONVERSATION_URL ${conversationUrlError}${got}`);
  }
  const secretsKey = env.SECRETS_KEY ? key('SECRETS_KEY', env.SECRETS_KEY) : undefined;
  const secretsKeyPrevious = (env.SECRETS_KEY_PREVIOUS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => key('SECRETS_KEY_PREVIOUS', k))
    .filter((k): k is Buffer => k !== undefined);

  const storage = env.STORAGE || 'local';
  if (storage !== 'local' && storage !== 's3') {
    problems.push(`STORAGE must be "local" or "s3" (got "${storage}")`);
  }
  const s3 = storage === 's3' ? s3Settings(env, problems) : undefined;
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of debug, info, warn, error, silent (got "${logLevel}")`);
  }

  const onOff = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'on' || raw === 'off') return raw === 'on';
    problems.push(`${name} must be on or off (got "${raw}")`);
    return fallback;
  };
  const production = env.NODE_ENV === 'production';

  const config: Config = {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolveDataDir(env.DATA_DIR),
    port: int('PORT', 4000),
    publicUrl: url('PUBLIC_URL') ?? `http://localhost:${int('PORT', 4000)}`,
    downloadLinkTtlDays: int('DOWNLOAD_LINK_TTL_DAYS', 7, 1, 365),
    adminPort: int('ADMIN_PORT', 3000),
    chatServiceUrl: url('CHAT_SERVICE_URL'),
    chatServicePort: int('CHAT_SERVICE_PORT', 4010),
    chatServiceApi,
    chatServiceRoomPath: path_('CHAT_SERVICE_ROOM_PATH', '/v1/rooms/{room}', '{room}'),
    chatServiceMessagePath: path_('CHAT_SERVICE_MESSAGE_PATH', '/v1/messages/{channel}/bot', '{channel}'),
    chatServiceChannelCodes: Object.freeze(chatServiceChannelCodes),
    chatServiceConversationUrl,
    secretsKey,
    secretsKeyPrevious: Object.freeze(secretsKeyPrevious),
    storage: storage === 's3' ? 's3' : 'local',
    s3,
    alertWebhookUrl: url('ALERT_WEBHOOK_URL'),
    alertMinSends: int('ALERT_MIN_SENDS', 10, 1, 1_000_000),
    alertWebhookRetryDelaySeconds: int('ALERT_WEBHOOK_RETRY_DELAY_SECONDS', 10, 1, 3600),
    duplicateWindowSeconds: int('DUPLICATE_WINDOW_SECONDS', 30, 0, 86400),
    stagedUploadTtlHours: int('STAGED_UPLOAD_TTL_HOURS', 24, 1, 24 * 365),
    workerConcurrency: int('WORKER_CONCURRENCY', 8, 0, 256),
    workerAccountConcurrency: int('WORKER_ACCOUNT_CONCURRENCY', 4, 1, 256),
    workerPollMs: int('WORKER_POLL_MS', 1000, 20, 60_000),
    sendRetryDelaySeconds: int('SEND_RETRY_DELAY_SECONDS', 5, 0, 3600),
    sendJobHeartbeatSeconds: int('SEND_JOB_HEARTBEAT_SECONDS', 30, 10, 3600),
    queueMaintenanceSeconds: int('QUEUE_MAINTENANCE_SECONDS', 10, 1, 3600),
    chatServiceTimeoutMs: int('CHAT_SERVICE_TIMEOUT_MS', 1500, 50, 60_000),
    chatServiceRoomCacheSeconds: int('CHAT_SERVICE_ROOM_CACHE_SECONDS', 60, 0, 86400),
    chatServiceUploadTimeoutMs: int('CHAT_SERVICE_UPLOAD_TIMEOUT_MS', 120_000, 50, 3_600_000),
    logLevel,
    graphqlLimits: Object.freeze({
      maxAliases: int('GRAPHQL_MAX_ALIASES', 20, 1, 1000),
      maxDepth: int('GRAPHQL_MAX_DEPTH', 16, 2, 100),
      maxDirectives: int('GRAPHQL_MAX_DIRECTIVES', 20, 1, 1000),
      maxTokens: int('GRAPHQL_MAX_TOKENS', 3000, 100, 100_000),
      maxCost: int('GRAPHQL_MAX_COST', 1000, 10, 1_000_000),
    }),
    introspection: onOff('GRAPHQL_INTROSPECTION', !production),
    rateLimit: Object.freeze({
      windowSeconds: int('RATE_LIMIT_WINDOW_SECONDS', 10, 1, 3600),
      aiServicePoints: int('RATE_LIMIT_AI_SERVICE_POINTS', 1000, 0, 10_000_000),
      consolePoints: int('RATE_LIMIT_CONSOLE_POINTS', 500, 0, 10_000_000),
    }),
    httpIdleTimeoutSeconds: int('HTTP_IDLE_TIMEOUT_SECONDS', 30, 1, 3600),
    httpRequestTimeoutSeconds: int('HTTP_REQUEST_TIMEOUT_SECONDS', 900, 1, 86400),
    stagedUploadQuotaBytes: int('STAGED_UPLOAD_QUOTA_MB', 2048, 1, 1_048_576) * 1024 * 1024,
    scheduledJobs: onOff('SCHEDULED_JOBS', true),
    embeddedStatStatements: onOff('PG_STAT_STATEMENTS', false),
    webhooks: Object.freeze({
      allowHttp: onOff('WEBHOOK_ALLOW_HTTP', false),
      allowPrivateAddresses: onOff('WEBHOOK_ALLOW_PRIVATE_ADDRESSES', false),
      connectTimeoutMs: int('WEBHOOK_CONNECT_TIMEOUT_MS', 3000, 50, 60_000),
      timeoutMs: int('WEBHOOK_TIMEOUT_MS', 10_000, 50, 60_000),
      maxAttempts: int('WEBHOOK_MAX_ATTEMPTS', 10, 1, 20),
      retryDelaySeconds: int('WEBHOOK_RETRY_DELAY_SECONDS', 30, 0, 3600),
      maxRetryDelaySeconds: int('WEBHOOK_MAX_RETRY_DELAY_SECONDS', 6 * 3600, 1, 86400),
      concurrency: int('WEBHOOK_CONCURRENCY', 4, 0, 64),
      relayPollMs: int('WEBHOOK_RELAY_POLL_MS', 500, 20, 60_000),
      retentionDays: int('WEBHOOK_RETENTION_DAYS', 30, 1, 3650),
    }),
  };
  // The two test-only switches open the SSRF guard: a production deployment may not have them.
  if (production) {
    for (const name of ['WEBHOOK_ALLOW_HTTP', 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES']) {
      if (env[name] === 'on') problems.push(`${name}=on is for local tests only and is refused with NODE_ENV=production`);
    }
  }

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze(config);
}

/** The S3_* settings, required together when STORAGE=s3; problems go to the shared list. */
function s3Settings(env: Env, problems: string[]): S3Settings | undefined {
  const missing = ['S3_BUCKET', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) problems.push(`STORAGE=s3 needs ${missing.join(', ')} (see docs/storage.md)`);
  const bucket = env.S3_BUCKET ?? '';
  const bucketProblem = bucket ? bucketNameProblem(bucket) : undefined;
  if (bucketProblem) problems.push(`S3_BUCKET ${bucketProblem} (got "${bucket}")`);
  const region = env.S3_REGION ?? '';
  if (region && !/^[a-z0-9-]+$/.test(region)) problems.push(`S3_REGION must be a region name such as us-east-1 (got "${region}")`);
  let endpoint = env.S3_ENDPOINT || undefined;
  if (endpoint) {
    let protocol = '';
    try {
      protocol = new URL(endpoint).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      problems.push(`S3_ENDPOINT must be an http:// or https:// URL (got "${endpoint}")`);
      endpoint = undefined;
    }
  }
  const pathStyle = env.S3_FORCE_PATH_STYLE || 'false';
  if (pathStyle !== 'true' && pathStyle !== 'false') {
    problems.push(`S3_FORCE_PATH_STYLE must be "true" or "false" (got "${pathStyle}")`);
  }
  if (missing.length > 0 || bucketProblem) return undefined;
  return Object.freeze({
    bucket,
    endpoint,
    region,
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: pathStyle === 'true',
  });
}
