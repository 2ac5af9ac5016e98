import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SimRoom {
  id: string;
  /** Who owns the room: `account_id` in the internal API, `organization_id` in the open one. */
  accountId: string;
  /** As registered: a provider name (`whatsapp`) or any code (`fb`). */
  channel: string;
  createdAt: string;
}

/**
 * What the simulator keeps of each message: the file's hash, never its bytes. A text message
 * (`type` "text") has no file: its text is the caption.
 */
export interface SimMessage {
  id: string;
  roomId: string;
  channel: string;
  type: string;
  fileName: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  caption: string | null;
  idempotencyKey: string | null;
  receivedAt: string;
}

export interface SimFaults {
  /** HTTP status to answer; 0 drops the connection without an answer. */
  status?: number;
  /** Only the next `count` calls fail. */
  count?: number;
  /** Each call fails with this probability (0..1). */
  rate?: number;
  /** Every answer waits this long (failures and successes alike). */
  latencyMs?: number;
  /** A failure carries `Retry-After: <seconds>`, as a busy ChatService's 429 or 503 would. */
  retryAfterSeconds?: number;
}

export interface SimAnswer {
  status: number;
  body: unknown;
}

interface PersistedState {
  rooms: SimRoom[];
  tokens: Record<string, string>;
}

/**
 * The simulator's memory. Rooms and account tokens survive restarts when a state file is
 * given (so `pnpm start` keeps the demo rooms); messages, idempotency answers and faults
 * live in memory only.
 */
export class SimulatorStore {
  private readonly rooms = new Map<string, SimRoom>();
  private readonly tokens = new Map<string, string>();
  private readonly messages: SimMessage[] = [];
  private readonly callsByRoom = new Map<string, number>();
  /** First successful answer per account and Idempotency-Key. */
  private readonly answers = new Map<string, SimAnswer>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private faults: (SimFaults & { remaining?: number }) | null = null;

  constructor(private readonly stateFile?: string) {
    if (stateFile && fs.existsSync(stateFile)) {
      const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as PersistedState;
      for (const room of state.rooms) this.rooms.set(room.id, room);
      for (const [accountId, token] of Object.entries(state.tokens)) this.tokens.set(accountId, token);
    }
  }

  addRoom(accountId: string, channel: string, token?: string): SimRoom {
    const room = { id: crypto.randomUUID(), accountId, channel, createdAt: new Date().toISOString() };
    this.rooms.set(room.id, room);
    if (token) this.tokens.set(accountId, token);
    this.persist();
    return room;
  }

  room(id: string): SimRoom | undefined {
    return this.rooms.get(id);
  }

  /** True when some account registered `token` (the open API answers 401 to any other). */
  knowsToken(token: string | undefined): boolean {
    if (!token) return false;
    for (const accountId of this.tokens.keys()) if (this.tokenMatches(accountId, token)) return true;
    return false;
  }

  /** True when `token` is the one registered for the account (none registered: refused). */
  tokenMatches(accountId: string, token: string | undefined): boolean {
    const expected = this.tokens.get(accountId);
    if (!expected || !token) return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(token);
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }

  countCall(roomId: string) {
    this.callsByRoom.set(roomId, (this.callsByRoom.get(roomId) ?? 0) + 1);
  }

  calls(roomId?: string): number {
    if (roomId) return this.callsByRoom.get(roomId) ?? 0;
    let total = 0;
    for (const n of this.callsByRoom.values()) total += n;
    return total;
  }

  inbox(roomId?: string): SimMessage[] {
    return roomId ? this.messages.filter((m) => m.roomId === roomId) : [...this.messages];
  }

  store(message: Omit<SimMessage, 'id' | 'receivedAt'>): SimMessage {
    const stored = { ...message, id: crypto.randomUUID(), receivedAt: new Date().toISOString() };
    this.messages.push(stored);
    return stored;
  }

  /**
   * Runs `fn` for a key at most once at a time; a repeat of a key that already succeeded
   * gets the stored answer. Failed answers are not stored: a retry after a 5xx must be
   * able to succeed.
   */
  async once(scope: string, key: string | null, fn: () => Promise<SimAnswer>): Promise<SimAnswer> {
    if (!key) return fn();
    const id = `${scope}:${key}`;
    while (this.inFlight.has(id)) await this.inFlight.get(id);
    const stored = this.answers.get(id);
    if (stored) return stored;
    let done!: () => void;
    this.inFlight.set(id, new Promise<void>((resolve) => (done = resolve)));
    try {
      const answer = await fn();
      if (answer.status >= 200 && answer.status < 300) this.answers.set(id, answer);
      return answer;
    } finally {
      this.inFlight.delete(id);
      done();
    }
  }

  setFaults(faults: SimFaults) {
    this.faults = { ...faults, remaining: faults.count };
  }

  clearFaults() {
    this.faults = null;
  }

  currentFaults(): SimFaults | null {
    return this.faults ? { ...this.faults, count: this.faults.remaining } : null;
  }

  /** Decides, as a call arrives, whether it fails and how long its answer waits. */
  takeFault(): { status?: number; latencyMs: number; retryAfterSeconds?: number } {
    const f = this.faults;
    if (!f) return { latencyMs: 0 };
    const latencyMs = f.latencyMs ?? 0;
    if (f.status === undefined) return { latencyMs };
    let fails: boolean;
    if (f.remaining !== undefined) {
      fails = f.remaining > 0;
      if (fails) f.remaining -= 1;
      if (f.remaining === 0 && !f.latencyMs) this.faults = null;
    } else if (f.rate !== undefined) {
      fails = Math.random() < f.rate;
    } else {
      fails = true;
    }
    return fails ? { status: f.status, latencyMs, retryAfterSeconds: f.retryAfterSeconds } : { latencyMs };
  }

  private persist() {
    if (!this.stateFile) return;
    const state: PersistedState = { rooms: [...this.rooms.values()], tokens: Object.fromEntries(this.tokens) };
    fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
    fs.writeFileSync(this.stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
  }
}
