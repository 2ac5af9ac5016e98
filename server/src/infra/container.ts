import { DownloadLinks } from '../sends/download-links.js';
import { DownloadsService } from '../sends/downloads.service.js';
import path from 'node:path';
import { AlertsRepository } from '../alerts/alerts.repository.js';
import { AlertsService } from '../alerts/alerts.service.js';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { ActionsRepository } from '../actions/actions.repository.js';
import { ActionsService } from '../actions/actions.service.js';
import { AgentsRepository } from '../agents/agents.repository.js';
import { AgentsService } from '../agents/agents.service.js';
import { ChatServiceCredentialsStore } from '../accounts/chat-service-credentials.js';
import type { ChatServiceAdapter } from '../chat-service/chat-service.adapter.js';
import { FilesRepository } from '../files/files.repository.js';
import { FilesService } from '../files/files.service.js';
import { LocalBlobStore } from '../files/local-storage.js';
import type { BlobStore } from '../files/storage.js';
import { SendGuard } from '../sends/send-guard.js';
import { SendOutcomes } from '../sends/send-outcomes.js';
import { DeliveryQueue, deliveryQueueSettings, SendDelivery, type DeliveryJob } from '../sends/sends.delivery.js';
import { SendHistoryService } from '../sends/sends.history.service.js';
import { SendInvokeService } from '../sends/sends.invoke.service.js';
import { SendsRepository } from '../sends/sends.repository.js';
import { SendsExport } from '../sends/sends.export.js';
import { TestConversationsRepository } from '../sends/test-conversations.repository.js';
import { TestSendsService } from '../sends/test-sends.service.js';
import { StatsRepository } from '../stats/stats.repository.js';
import { StatsService } from '../stats/stats.service.js';
import type { LookupFunction } from './http/outbound-guard.js';
import { WebhookDelivery, WebhookRelay, webhookQueueSettings, type WebhookJob } from '../webhooks/webhooks.delivery.js';
import { WEBHOOKS_QUEUED_CHANNEL } from '../webhooks/webhooks.model.js';
import { WebhooksRepository } from '../webhooks/webhooks.repository.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import { WebhookSecrets } from '../webhooks/webhook-secrets.js';
import type { Config } from './config/config.js';
import type { Database } from './db/db.js';
import { SessionLocks } from './db/session-locks.js';
import type { Logger } from './log/logger.js';
import { ConcurrentWorker } from './queue/concurrent-worker.js';
import { JOBS, SENDS_QUEUED_CHANNEL, type Queue, type QueueSettings } from './queue/queue.js';
import type { SecretBox } from './secrets/secrets.js';
import { WakeNotifier } from './queue/wake-notifier.js';

export interface Infrastructure {
  config: Readonly<Config>;
  database: Database;
  blobs: BlobStore;
  log: Logger;
  queue: Queue;
  chatService: ChatServiceAdapter;
  secrets: SecretBox;
}

/**
 * The configured file store: DATA_DIR/files, or the S3 bucket, checked at start so a wrong
 * bucket or key is a start-up error (a ConfigError) rather than a failed upload later.
 */
export async function createBlobStore(config: Readonly<Config>): Promise<BlobStore> {
  if (config.storage === 'local') return new LocalBlobStore(path.join(config.dataDir, 'files'));
  // Loaded only here: the AWS SDK is large, and a local store has no use for it.
  const { S3BlobStore } = await import('../files/s3-storage.js');
  const store = new S3BlobStore(config.s3!);
  await store.verify();
  return store;
}

/** The link fallback's signer: the API serves the links the workers send, so both build it alike. */
function downloadLinks(infra: Infrastructure): DownloadLinks {
  return new DownloadLinks(infra.secrets, { publicUrl: infra.config.publicUrl, ttlDays: infra.config.downloadLinkTtlDays });
}

/** Wires every service with exactly the repositories and services it uses. */
export function createServices(infra: Infrastructure) {
  const { db } = infra.database;
  const accountsRepo = new AccountsRepository(db);
  const actionsRepo = new ActionsRepository(db);
  const agentsRepo = new AgentsRepository(db);
  const filesRepo = new FilesRepository(db);
  const sendsRepo = new SendsRepository(db);

  const credentials = new ChatServiceCredentialsStore(infra.secrets);
  const accounts = new AccountsService(accountsRepo, credentials);
  const files = new FilesService(db, filesRepo, infra.blobs, accounts, infra.log, infra.config.stagedUploadQuotaBytes);
  const agents = new AgentsService(db, agentsRepo, actionsRepo, accounts);
  const actions = new ActionsService(db, actionsRepo, filesRepo, files, agentsRepo, accounts, sendsRepo);
  const deliveries = new DeliveryQueue(
    infra.database,
    sendsRepo,
    infra.queue,
    new WakeNotifier(infra.database.sql, SENDS_QUEUED_CHANNEL, infra.log),
    infra.log,
  );
  const invoke = new SendInvokeService(
    infra.database,
    sendsRepo,
    new SendGuard(infra.blobs, infra.log),
    infra.chatService,
    credentials,
    deliveries,
    infra.config,
    infra.log,
  );
  const sendHistory = new SendHistoryService(sendsRepo, infra.config.chatServiceConversationUrl);
  const sendOutcomes = new SendOutcomes(infra.database.sql, sendsRepo, infra.log);
  const testSends = new TestSendsService(new TestConversationsRepository(db), accounts, credentials, infra.chatService, invoke, sendOutcomes, infra.log);

  const stats = new StatsService(new StatsRepository(db), sendsRepo);
  const alerts = new AlertsService(infra.database, new AlertsRepository(db), infra.queue, infra.config, infra.log);

  const sendsExport = new SendsExport(sendsRepo);
  const downloads = new DownloadsService(downloadLinks(infra), sendsRepo, infra.blobs);
  const webhooks = new WebhooksService(
    infra.database,
    new WebhooksRepository(db),
    new WebhookSecrets(infra.secrets),
    infra.config.webhooks,
    infra.queue,
    new WakeNotifier(infra.database.sql, WEBHOOKS_QUEUED_CHANNEL, infra.log),
  );

  return { accounts, files, agents, actions, invoke, testSends, sendOutcomes, deliveries, sendHistory, sendsExport, downloads, stats, alerts, webhooks };
}

export type Services = ReturnType<typeof createServices>;

/** Every queue's settings beyond pg-boss's defaults, from configuration. */
export function queueSettings(config: Readonly<Config>): QueueSettings {
  return { [JOBS.SEND_DELIVER]: deliveryQueueSettings(config), [JOBS.WEBHOOK_DELIVER]: webhookQueueSettings(config.webhooks) };
}

/**
 * At most this share of the webhook worker's slots may post one account's events at once (at
 * least one), counted across every process. Deliveries have their own setting,
 * WORKER_ACCOUNT_CONCURRENCY.
 */
const WEBHOOK_ACCOUNT_SHARE = 0.5;

export type SendWorker = ConcurrentWorker<DeliveryJob['data']>;

/** The delivery worker with its own repositories and lock connection. */
export function createSendWorker(infra: Infrastructure, concurrency: number): SendWorker {
  const { db, sql } = infra.database;
  const locks = new SessionLocks(sql);
  const sends = new SendsRepository(db);
  const delivery = new SendDelivery({
    db,
    sends,
    blobs: infra.blobs,
    chatService: infra.chatService,
    credentials: new ChatServiceCredentialsStore(infra.secrets),
    deliveries: new DeliveryQueue(infra.database, sends, infra.queue, new WakeNotifier(sql, SENDS_QUEUED_CHANNEL, infra.log), infra.log),
    locks,
    links: downloadLinks(infra),
    log: infra.log,
  });
  return new ConcurrentWorker<DeliveryJob['data']>({
    queue: infra.queue,
    name: JOBS.SEND_DELIVER,
    concurrency,
    // Never every slot of this worker (SPEC: one account cannot hold every worker slot).
    perGroupConcurrency: Math.min(infra.config.workerAccountConcurrency, Math.max(1, concurrency - 1)),
    pollMs: infra.config.workerPollMs,
    heartbeatSeconds: infra.config.sendJobHeartbeatSeconds,
    wakeChannel: { sql, channel: SENDS_QUEUED_CHANNEL },
    handler: (job) => delivery.handle(job),
    onStopped: () => delivery.close(),
    log: infra.log,
  });
}

export interface WebhookWorker {
  relay: WebhookRelay;
  worker: ConcurrentWorker<WebhookJob['data']>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The outbox relay and the webhook delivery worker, with their own repository. `lookup`: the
 * resolver the address guard checks (a test seam; dns.lookup otherwise).
 */
export function createWebhookWorker(infra: Infrastructure, lookup?: LookupFunction): WebhookWorker {
  const { sql } = infra.database;
  const settings = infra.config.webhooks;
  const webhooks = new WebhooksRepository(infra.database.db);
  const relay = new WebhookRelay(infra.database, webhooks, infra.queue, new WakeNotifier(sql, WEBHOOKS_QUEUED_CHANNEL, infra.log), settings.relayPollMs, infra.log);
  const delivery = new WebhookDelivery({ database: infra.database, webhooks, secrets: new WebhookSecrets(infra.secrets), queue: infra.queue, settings, log: infra.log, lookup });
  const worker = new ConcurrentWorker<WebhookJob['data']>({
    queue: infra.queue,
    name: JOBS.WEBHOOK_DELIVER,
    concurrency: settings.concurrency,
    // One account's slow or dead endpoints cannot hold every slot (of every webhook worker together).
    perGroupConcurrency: Math.max(1, Math.floor(settings.concurrency * WEBHOOK_ACCOUNT_SHARE)),
    pollMs: infra.config.workerPollMs,
    heartbeatSeconds: webhookQueueSettings(settings).heartbeatSeconds!,
    wakeChannel: { sql, channel: WEBHOOKS_QUEUED_CHANNEL },
    handler: (job) => delivery.handle(job),
    log: infra.log,
  });
  return {
    relay,
    worker,
    async start() {
      await worker.start();
      relay.start();
    },
    async stop() {
      await relay.stop();
      await worker.stop(5000);
    },
  };
}
