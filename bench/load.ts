import http from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * An HTTP load generator for GraphQL POSTs, run as its own process (so its CPU shows up as its
 * own, not as the server's): `concurrency` clients on one keep-alive agent, each sending the
 * next request as soon as its answer arrives, for `durationMs` after `warmupMs`.
 *
 * A call counts as an error when its answer has `"errors"` or a status other than 200.
 * The body is a template: every `__N__` becomes a number unique within the run, so each call
 * can carry its own idempotency key.
 */
export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Tenants: client i sends variants[i % n] (its own token and body) instead of headers/body. */
  variants?: { headers: Record<string, string>; body: string }[];
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Stop after this many calls instead of after `durationMs` (no warm-up then). */
  count?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | null;
  /** Calls per second over the measured window (after warm-up). */
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU the load generator itself used, as a share of one core. */
  loaderCpu: number;
  /** The measured window, as epoch milliseconds (the same clock as Postgres's on this machine). */
  measuredFrom: number;
  measuredTo: number;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Runs one load in a child process (pinned to `cpus` with taskset when given). */
export function runLoad(spec: LoadSpec, options: { cpus?: string } = {}): Promise<LoadResult> {
  const args = ['--import', 'tsx', path.join(HERE, 'load.ts'), JSON.stringify(spec)];
  const [command, argv] = options.cpus ? ['taskset', ['-c', options.cpus, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv as string[], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}: ${out}`));
      resolve(JSON.parse(out) as LoadResult);
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main(spec: LoadSpec): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const url = new URL(spec.url);
  const fixed = spec.count !== undefined;
  let n = 0;
  let measuring = fixed;
  let stopped = false;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const failed = (what: string) => {
    errors++;
    firstError ??= what;
  };

  const call = (variant: { headers: Record<string, string>; body: string }): Promise<void> =>
    new Promise((resolve) => {
      const body = variant.body.replaceAll('__N__', String(n++));
      const started = performance.now();
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...variant.headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (measuring) {
              latencies.push(performance.now() - started);
              const text = Buffer.concat(chunks).toString();
              if (res.statusCode !== 200 || text.includes('"errors"')) failed(`${res.statusCode} ${text.slice(0, 300)}`);
            }
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        if (measuring) failed(String(error));
        resolve();
      });
      req.end(body);
    });

  const client = async (_: unknown, i: number) => {
    const variant = spec.variants?.[i % spec.variants.length] ?? spec;
    while (!stopped && (!fixed || n < spec.count!)) await call(variant);
  };
  let cpuStart = process.cpuUsage();
  let started = performance.now();
  let measuredFrom = Date.now();
  const clients = Array.from({ length: spec.concurrency }, client);
  if (!fixed) {
    await new Promise((r) => setTimeout(r, spec.warmupMs));
    measuring = true;
    cpuStart = process.cpuUsage();
    started = performance.now();
    measuredFrom = Date.now();
    await new Promise((r) => setTimeout(r, spec.durationMs));
    measuring = false;
    stopped = true;
  }
  const elapsed = fixed ? (await Promise.all(clients), performance.now() - started) : performance.now() - started;
  const measuredTo = measuredFrom + elapsed;
  const cpu = process.cpuUsage(cpuStart);
  await Promise.all(clients);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    requests: latencies.length,
    errors,
    firstError,
    rps: Math.round(latencies.length / (elapsed / 1000)),
    p50: round(percentile(latencies, 0.5)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies.at(-1) ?? NaN),
    loaderCpu: round((cpu.user + cpu.system) / 1000 / elapsed),
    measuredFrom,
    measuredTo: Math.round(measuredTo),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const result = await main(JSON.parse(process.argv[2]!) as LoadSpec);
  process.stdout.write(JSON.stringify(result));
}
