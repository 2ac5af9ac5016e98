import os from 'node:os';
import { AppError } from '../infra/errors.js';
import { can, refusalFor, ROLE_LABELS, type Permission, type Role } from './roles.js';

/** Who is calling: the account and role of the bearer token. */
export interface Viewer {
  accountId: string;
  role: Role;
  tokenId: string;
}

/** Refuses an anonymous caller or a role without `permission`; returns the viewer. */
export function requirePermission(viewer: Viewer | null, permission: Permission): Viewer {
  if (!viewer) throw AppError.unauthenticated();
  if (!can(viewer.role, permission)) {
    throw AppError.forbidden(refusalFor(viewer.role, permission));
  }
  return viewer;
}

/** Who made a change, for audits: a token (named by its role and id prefix) or the ops CLI. */
export interface Actor {
  label: string;
  tokenId: string | null;
}

export function actorOf(viewer: Viewer): Actor {
  return { label: `${ROLE_LABELS[viewer.role]} token ${viewer.tokenId.slice(0, 8)}`, tokenId: viewer.tokenId };
}

/** The operator running `pnpm ops` on a machine: named by the OS user and host. */
export function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): the host still says where it ran.
  }
  return { label: `ops CLI (${user}@${os.hostname()})`, tokenId: null };
}
