import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What each reliability test did, appended as JSON lines and summed by the global teardown
 * (and by .ci/run) into one line: faults injected, requests sent, items lost.
 * "Lost" is anything a test found broken after the fault: an accepted invoke that did not end
 * as it must, a file delivered twice or never, a 500, a crash.
 */
export const LEDGER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-results/reliability-ledger.jsonl');

export interface LedgerEntry {
  test: string;
  faults: number;
  requests: number;
  lost: number;
}

export function record(entry: LedgerEntry): void {
  fs.mkdirSync(path.dirname(LEDGER), { recursive: true });
  fs.appendFileSync(LEDGER, `${JSON.stringify(entry)}\n`);
}

export function summaryLine(): string {
  const entries: LedgerEntry[] = fs.existsSync(LEDGER)
    ? fs.readFileSync(LEDGER, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerEntry)
    : [];
  const sum = (k: 'faults' | 'requests' | 'lost') => entries.reduce((n, e) => n + e[k], 0);
  return `reliability: ${sum('faults')} faults injected, ${sum('requests')} requests sent, ${sum('lost')} items lost (${entries.length} scenarios)`;
}
