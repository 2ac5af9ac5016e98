import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestStack } from './stack.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote to stderr (its JSON log lines). */
  stderr(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * `pnpm ops worker` as its own OS process on the stack's database, file store and simulator.
 * Node is spawned directly (`node --import tsx`), not through a wrapper script, so a signal
 * reaches the worker itself.
 */
export function spawnWorker(stack: TestStack, env: Record<string, string> = {}): WorkerProcess {
  let err = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli/ops.ts', 'worker'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: 'server/tsconfig.json',
      DATABASE_URL: stack.databaseUrl,
      DATA_DIR: stack.dataDir,
      ...stack.storage.env,
      CHAT_SERVICE_URL: stack.server.chatServiceUrl,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    stderr: () => err,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
