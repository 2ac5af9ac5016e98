import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIMULATOR_MODES, startSimulator, type SimulatorMode } from './simulator.js';

/**
 * `pnpm sim` (or a parent process, see process.ts): the simulator alone.
 * CHAT_SERVICE_PORT (default 4010; 0 picks a free port), SIM_MODE (`core` | `open`),
 * SIM_STATE_FILE (rooms and tokens kept across restarts; `none` keeps them in memory; default
 * DATA_DIR/chat-service-simulator.json, DATA_DIR taken from the repository root as the server
 * does, so `pnpm sim` and `pnpm start` share the demo rooms), SIM_HOST (default 127.0.0.1),
 * LOG_LEVEL (`silent` keeps it quiet).
 */
const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const env = process.env;
const port = Number(env.CHAT_SERVICE_PORT ?? 4010);
const mode = (env.SIM_MODE ?? 'core') as SimulatorMode;
if (!Number.isInteger(port) || port < 0 || port > 65535) fatal(`CHAT_SERVICE_PORT must be a port number (got "${env.CHAT_SERVICE_PORT}")`);
if (!SIMULATOR_MODES.includes(mode)) fatal(`SIM_MODE must be one of ${SIMULATOR_MODES.join(', ')} (got "${env.SIM_MODE}")`);
const stateFile =
  env.SIM_STATE_FILE === 'none'
    ? undefined
    : env.SIM_STATE_FILE || path.join(path.resolve(REPOSITORY_ROOT, env.DATA_DIR || '.data'), 'chat-service-simulator.json');
const quiet = env.LOG_LEVEL === 'silent' || env.LOG_LEVEL === 'error' || env.LOG_LEVEL === 'warn';
const debug = env.LOG_LEVEL === 'debug';

const log = (msg: string, fields: Record<string, unknown> = {}) => {
  if (quiet || (msg === 'simulator.message' && !debug)) return;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg, service: 'simulator', ...fields })}\n`);
};

function fatal(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const simulator = await startSimulator({ port, mode, stateFile, host: env.SIM_HOST, log }).catch((error: Error) =>
  fatal(`The ChatService simulator could not start on port ${port}: ${error.message}`),
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await simulator.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// Started by another process (process.ts): tell it where we listen, and never outlive it.
if (process.send) {
  process.send({ ready: true, url: simulator.url, port: simulator.port, mode: simulator.mode, apiPrefix: simulator.apiPrefix });
  process.on('disconnect', () => void stop());
} else {
  console.log(`ChatService simulator (${simulator.mode} API) on ${simulator.url}${simulator.apiPrefix}, controls on ${simulator.url}/__sim`);
}
