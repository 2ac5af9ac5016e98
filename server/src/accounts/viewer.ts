import { AppError } from '../infra/errors.js';
import { can, refusalFor, type Permission, type Role } from './roles.js';

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
