import { AccountsRepository } from '../accounts/accounts.repository.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { ActionsRepository } from '../actions/actions.repository.js';
import { ActionsService } from '../actions/actions.service.js';
import { AgentsRepository } from '../agents/agents.repository.js';
import { AgentsService } from '../agents/agents.service.js';
import { FilesRepository } from '../files/files.repository.js';
import { FilesService } from '../files/files.service.js';
import type { BlobStore } from '../files/storage.js';
import { StatsRepository } from '../stats/stats.repository.js';
import { StatsService } from '../stats/stats.service.js';
import type { Config } from './config/config.js';
import type { Database } from './db/db.js';
import type { Logger } from './log/logger.js';
import type { Queue } from './queue/queue.js';
import { AlertsRepository } from '../alerts/alerts.repository.js';
import { AlertsService } from '../alerts/alerts.service.js';

export interface Infrastructure {
  config: Readonly<Config>;
  database: Database;
  blobs: BlobStore;
  queue: Queue;
  log: Logger;
}

/** Wires every service with exactly the repositories and services it uses. */
export function createServices(infra: Infrastructure) {
  const { db } = infra.database;
  const accountsRepo = new AccountsRepository(db);
  const actionsRepo = new ActionsRepository(db);
  const agentsRepo = new AgentsRepository(db);
  const filesRepo = new FilesRepository(db);

  const accounts = new AccountsService(accountsRepo);
  const files = new FilesService(filesRepo, infra.blobs, accounts, infra.log);
  const agents = new AgentsService(db, agentsRepo, actionsRepo, accounts);
  const actions = new ActionsService(db, actionsRepo, filesRepo, files, agents, accounts);

  const stats = new StatsService(new StatsRepository(db));
  const alerts = new AlertsService(db, new AlertsRepository(db), infra.queue, infra.config, infra.log);

  return { accounts, files, agents, actions, stats, alerts };
}

export type Services = ReturnType<typeof createServices>;
