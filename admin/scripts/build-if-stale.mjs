#!/usr/bin/env node
/**
 * Builds the admin (types from schema/schema.graphql, then `nuxt build`) unless the last
 * build came from the same sources. `pnpm start` and the browser tests call this, so both
 * always serve an admin that matches the code, without paying for a rebuild every time.
 * `--force` always builds.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const adminDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(adminDir, '.output', 'build-stamp');
const inputs = ['app', 'server', 'nuxt.config.ts', 'package.json', 'tsconfig.json', '../schema/schema.graphql', '../pnpm-lock.yaml'];

function hashSources() {
  const hash = crypto.createHash('sha256');
  const visit = (p) => {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) visit(path.join(p, name));
    } else if (!p.endsWith('graphql-env.d.ts')) {
      hash.update(path.relative(adminDir, p)).update('\0').update(fs.readFileSync(p)).update('\0');
    }
  };
  for (const input of inputs) visit(path.join(adminDir, input));
  return hash.digest('hex');
}

const force = process.argv.includes('--force');
const digest = hashSources();
const built = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : null;
if (!force && built === digest && fs.existsSync(path.join(adminDir, '.output', 'server', 'index.mjs'))) {
  console.log('admin: build is up to date');
  process.exit(0);
}

console.log('admin: building…');
const started = Date.now();
const run = (bin, args) =>
  execFileSync(path.join(adminDir, 'node_modules', '.bin', bin), args, { cwd: adminDir, stdio: 'inherit', env: { ...process.env, NUXT_TELEMETRY_DISABLED: '1' } });
run('gql.tada', ['generate', 'output']);
run('nuxt', ['build']);
fs.writeFileSync(stampFile, `${digest}\n`);
console.log(`admin: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
