import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { Role } from '../../../server/src/accounts/roles.js';
import { startAdmin, type RunningAdmin } from '../../../server/src/infra/admin/admin-process.js';
import { createLogger } from '../../../server/src/infra/log/logger.js';
import { startTestStack, type TestAccount, type TestStack } from '../../support/stack.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Debian's Chromium as root, with nothing reaching out to the network on its own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/**
 * Every run takes the screenshots; `UPDATE_SCREENSHOTS=1 pnpm test` writes them over the
 * committed ones in docs/screenshots/, other runs to test-results/ (ignored), so a test run
 * never dirties the work tree with new timestamps and account names.
 */
export const SCREENSHOTS_DIR = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS ? '../../../docs/screenshots/' : '../../../test-results/screenshots/', import.meta.url),
);
const TOKEN_KEY = 'send-attachment-admin.token';

export interface AdminStack {
  stack: TestStack;
  admin: RunningAdmin;
  browser: Browser;
  /** A fresh browser context (own storage); with `as`, already signed in with that token. */
  open(options?: { as?: string }): Promise<{ context: BrowserContext; page: Page }>;
  /** Opens the admin signed in as `role` of `account`, on that account's agent. */
  openLibrary(account: TestAccount, role?: Role): Promise<{ context: BrowserContext; page: Page }>;
  /** The library as ADMIN, with a new Send Attachment drawer open (Add action, then the picker). */
  openNewDrawer(account: TestAccount): Promise<{ context: BrowserContext; page: Page; drawer: Locator }>;
  screenshot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<void>;
  /** Waits for running animations (drawer and modal entries move focus when they end). */
  settle(page: Page): Promise<void>;
  /**
   * Closes the contexts opened so far. Each test file calls it after every test: an open page
   * keeps polling the alerts, and a dozen of them slow a busy machine down for the tests after.
   */
  closeContexts(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One test file's world: the real server over its own database, the built admin in front of
 * it (same origin, /graphql proxied) and one Chromium, shared by the file's tests.
 */
export async function startAdminStack(options: { serverEnv?: Record<string, string>; adminEnv?: Record<string, string> } = {}): Promise<AdminStack> {
  const stack = await startTestStack(options.serverEnv);
  const admin = await withEnv(options.adminEnv ?? {}, async () =>
    startAdmin({ port: await freePort(), apiUrl: stack.server.url, log: createLogger('error') }),
  );
  if (!admin) throw new Error('The admin is not built: run `pnpm build:admin`');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];

  async function open(options: { as?: string } = {}) {
    const context = await browser.newContext({ baseURL: admin!.url, viewport: { width: 1280, height: 960 } });
    contexts.push(context);
    // Fail a step well inside the test's own timeout, so the report names the step.
    context.setDefaultTimeout(15_000);
    if (options.as) {
      // A string, as these tests compile without the DOM's types.
      await context.addInitScript(`window.localStorage.setItem(${JSON.stringify(TOKEN_KEY)}, ${JSON.stringify(options.as)})`);
    }
    return { context, page: await context.newPage() };
  }

  async function openLibrary(account: TestAccount, role = Role.ADMIN) {
    const opened = await open({ as: account.tokens[role] });
    await opened.page.goto(`/agents/${account.agentId}`);
    await opened.page.getByRole('heading', { name: 'Actions', level: 1 }).waitFor();
    return opened;
  }
  return {
    stack,
    admin,
    browser,
    open,
    openLibrary,
    async openNewDrawer(account) {
      const opened = await openLibrary(account);
      await opened.page.getByRole('button', { name: 'Add action' }).first().click();
      await opened.page.getByRole('dialog', { name: 'Add action' }).getByRole('button', { name: /Send Attachment/ }).click();
      const drawer = opened.page.getByRole('dialog', { name: 'Add Send Attachment action' });
      await drawer.waitFor();
      await settle(opened.page);
      return { ...opened, drawer };
    },
    settle,
    async closeContexts() {
      const open = contexts.splice(0);
      await Promise.all(open.map((c) => c.close().catch(() => undefined)));
    },
    async screenshot(page, name, options = {}) {
      fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
      await settle(page);
      await page.screenshot({ path: `${SCREENSHOTS_DIR}${name}.png`, fullPage: options.fullPage });
    },
    async stop() {
      await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
      await browser.close();
      await admin!.stop();
      await stack.stop();
    },
  };
}

/** The admin process inherits this process's environment: set `env` only while it starts. */
async function withEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

async function settle(page: Page) {
  // A string, as these tests compile without the DOM's types. Endless ones (spinners) never finish.
  await page.evaluate(`Promise.all(document.getAnimations()
    .filter((a) => a.effect?.getTiming().iterations !== Infinity)
    .map((a) => a.finished.catch(() => undefined)))`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
