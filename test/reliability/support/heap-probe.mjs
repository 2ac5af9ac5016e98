// Preloaded into the server process by the hostile-input test (`--expose-gc --import` this):
// on SIGUSR2, a full garbage collection, then the live heap and RSS written to HEAP_PROBE_FILE.
// Memory "back to baseline" is judged on the heap after GC, which RSS alone cannot show (V8
// keeps pages it grew into).
import fs from 'node:fs';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  fs.writeFileSync(process.env.HEAP_PROBE_FILE, JSON.stringify({ heapUsedMb: heapUsed / 2 ** 20, rssMb: rss / 2 ** 20, at: Date.now() }));
});
