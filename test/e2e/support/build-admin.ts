import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Once per `pnpm test`: the browser tests drive the built admin, so build it when its sources
 * changed since the last build (a no-op otherwise).
 */
export default function setup() {
  const script = fileURLToPath(new URL('../../../admin/scripts/build-if-stale.mjs', import.meta.url));
  execFileSync(process.execPath, [script], { stdio: 'inherit' });
}
