import { AlertsRepository } from '../alerts/alerts.repository.js';
import { AlertsService } from '../alerts/alerts.service.js';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { ActionsRepository } from '../actions/actions.repository.js';
import { ActionsService } from '../actions/actions.service.js';
import { AgentsRepository } from '../agents/agents.repository.js';
import { AgentsService } from '../agents/agents.service.js';
import { ChatServiceClient } from '../chat-service/chat-service.client.js';
import { FilesRepository } from '../files/files.repository.js';
import { FilesService } from '../files/files.service.js';
import type { BlobStore } from '../files/storage.js';
import { SendDelivery, SendLocks } from '../sends/sends.jobs.js';
import { SendsRepository } from '../sends/sends.repository.js';
import { SendsExport } from '../sends/sends.export.js';
import { SendsService } from '../sends/sends.service.js';
import { SendWorker } from '../sends/worker.js';
import { StatsRepository } from '../stats/stats.repository.js';
import { StatsService } from '../stats/stats.service.js';
import type { Config } from './config/config.js';
import type { Database } from './db/db.js';
import type { Logger } from './log/logger.js';
import { SENDS_QUEUED_CHANNEL, type Queue } from './queue/queue.js';
import { WakeNotifier } from './queue/wake-notifier.js';

export interface Infrastructure {
  config: Readonly<Config>;
  database: Database;
  blobs: BlobStore;
  log: Logger;
  queue: Queue;
  chatService: ChatServiceClient;
}

/** ChatService at `baseUrl` (the real one, or the simulator) with the configured timeouts. */
export function createChatServiceClient(config: Readonly<Config>, baseUrl: string): ChatServiceClient {
  return new ChatServiceClient({
    baseUrl,
    timeoutMs: config.chatServiceTimeoutMs,
    uploadTimeoutMs: config.chatServiceUploadTimeoutMs,
    roomCacheMs: config.chatServiceRoomCacheSeconds * 1000,
  });
}

/** Wires every service with exactly the repositories and services it uses. */
export function createServices(infra: Infrastructure) {
  const { db } = infra.database;
  const accountsRepo = new AccountsRepository(db);
  const actionsRepo = new ActionsRepository(db);
  const agentsRepo = new AgentsRepository(db);
  const filesRepo = new FilesRepository(db);
  const sendsRepo = new SendsRepository(db);

  const accounts = new AccountsService(accountsRepo);
  const files = new FilesService(filesRepo, infra.blobs, accounts, infra.log, infra.config.stagedUploadQuotaBytes);
  const agents = new AgentsService(db, agentsRepo, actionsRepo, accounts);
  const actions = new ActionsService(db, actionsRepo, filesRepo, files, agents, accounts);
  const sends = new SendsService(
    infra.database,
    sendsRepo,
    filesRepo,
    infra.blobs,
    infra.chatService,
    infra.queue,
    new WakeNotifier(infra.database.sql, SENDS_QUEUED_CHANNEL, infra.log),
    infra.config,
    infra.log,
  );

  const stats = new StatsService(new StatsRepository(db));
  const alerts = new AlertsService(infra.database, new AlertsRepository(db), infra.queue, infra.config, infra.log);

  const sendsExport = new SendsExport(sendsRepo);

  return { accounts, files, agents, actions, sends, sendsExport, stats, alerts };
}

export type Services = ReturnType<typeof createServices>;

/** The delivery worker with its own repositories and lock connection. */
export function createSendWorker(infra: Infrastructure, concurrency: number): SendWorker {
  const { db, sql } = infra.database;
  const delivery = new SendDelivery({
    db,
    sends: new SendsRepository(db),
    accounts: new AccountsRepository(db),
    blobs: infra.blobs,
    chatService: infra.chatService,
    locks: new SendLocks(sql),
    log: infra.log,
  });
  return new SendWorker({
    queue: infra.queue,
    sql,
    delivery,
    concurrency,
    pollMs: infra.config.workerPollMs,
    jobExpireSeconds: infra.config.sendJobExpireSeconds,
    log: infra.log,
  });
}
