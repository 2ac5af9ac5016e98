import { startFauxqs } from 'fauxqs';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The S3 protocol server of this run (each test stack makes its own bucket there). */
    s3Endpoint: string;
  }
}

/**
 * Once per run, for the tests on `STORAGE=s3`: an S3 protocol server from npm (fauxqs, in
 * memory; no Docker), real enough for lib-storage's multipart uploads, aborts and copies.
 */
export default async function setup(project: TestProject) {
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  project.provide('s3Endpoint', server.address);
  return () => server.stop();
}
