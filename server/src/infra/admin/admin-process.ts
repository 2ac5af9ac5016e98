import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/logger.js';

/** The built admin (`pnpm --filter ./admin build`): Nuxt's Nitro server. */
export const ADMIN_ENTRY = fileURLToPath(new URL('../../../../admin/.output/server/index.mjs', import.meta.url));

export interface RunningAdmin {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the built admin on `port` as a child process. Its /graphql is proxied to `apiUrl`,
 * so the browser talks to one origin (no CORS; CSRF rules unchanged). Resolves once the admin
 * answers; null (with a warning) when the admin has not been built.
 */
export async function startAdmin(options: { port: number; apiUrl: string; log: Logger; timeoutMs?: number }): Promise<RunningAdmin | null> {
  const { port, apiUrl, log } = options;
  if (!fs.existsSync(ADMIN_ENTRY)) {
    log.warn('admin.not_built', { hint: 'run `pnpm --filter ./admin build`', entry: ADMIN_ENTRY });
    return null;
  }
  const child = spawn(process.execPath, [ADMIN_ENTRY], {
    env: { ...process.env, PORT: String(port), NITRO_PORT: String(port), NUXT_API_URL: apiUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // However this process ends (even mid start-up), the admin must not outlive it.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  void new Promise((resolve) => child.once('exit', resolve)).then(() => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping = false;
  void exited.then((code) => {
    if (!stopping) log.error('admin.exited', { code, stderr });
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const ok = await fetch(url).then((res) => res.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`The admin did not start on port ${port}: ${stderr || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log.info('admin.ready', { url });
  return {
    url,
    stop: async () => {
      stopping = true;
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
