import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SimulatorMode } from './simulator.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface SimulatorProcess {
  /** The root (`/__sim/*` controls); the API is under `url + apiPrefix`. */
  url: string;
  port: number;
  mode: SimulatorMode;
  apiPrefix: string;
  pid: number;
  stop(): Promise<void>;
}

interface Ready {
  ready: true;
  url: string;
  port: number;
  mode: SimulatorMode;
  apiPrefix: string;
}

/**
 * The simulator as its own OS process (`pnpm start`, the test stack, the benchmarks), so its
 * CPU is not the server's and it shares no memory with it. Resolves once it listens. The child
 * stops when this process exits or dies (its IPC channel closes).
 */
export async function spawnSimulator(options: {
  port: number;
  mode?: SimulatorMode;
  /** Rooms and tokens kept across restarts; unset: in memory only. */
  stateFile?: string;
  logLevel?: string;
  timeoutMs?: number;
}): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    // `--import tsx` is resolved from here: this package depends on tsx.
    cwd: PACKAGE_DIR,
    env: {
      ...process.env,
      CHAT_SERVICE_PORT: String(options.port),
      SIM_MODE: options.mode ?? 'core',
      SIM_STATE_FILE: options.stateFile ?? 'none',
      LOG_LEVEL: options.logLevel ?? 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (options.logLevel && options.logLevel !== 'silent') process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    new Promise<Ready>((resolve) => child.once('message', (m) => resolve(m as Ready))),
    exited.then((code) => Promise.reject(new Error(`The ChatService simulator exited (code ${code}): ${stderr || 'no output'}`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`The ChatService simulator did not start: ${stderr || 'no output'}`)), options.timeoutMs ?? 30_000);
    }),
  ]).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  }).finally(() => clearTimeout(timer));
  // The owner stops it; an owner that forgets must still be able to exit (then 'exit' kills it).
  child.unref();
  child.channel?.unref();
  (child.stderr as unknown as { unref(): void }).unref();
  return {
    url: ready.url,
    port: ready.port,
    mode: ready.mode,
    apiPrefix: ready.apiPrefix,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
