// The authenticated user as request handlers and guards see it, whichever service built it.

/**
 * Who made a request: built once per user and reused from a cache on the hot path. Guards take
 * any principal, so an application's own authenticator may identify users by a string.
 */
export interface Principal {
  readonly id: number | string;
  readonly isActive: boolean;
  readonly isStaff: boolean;
  readonly isSuperuser: boolean;
  /** `app_label.codename` names, from the user and their groups. */
  readonly permissions: ReadonlySet<string>;
  /** The user as the auth-service serves it (`GET /auth/user/`). */
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * A principal for a row of the auth-service's user table, whose id is that row's integer id: every
 * principal the auth-service builds, and the copies client-services keep of its users.
 */
export interface AuthPrincipal extends Principal {
  readonly id: number;
}

/** Whether `principal` holds `permission`; superusers hold every permission, as in Django. */
export function hasPermission(principal: Principal, permission: string): boolean {
  return principal.isActive && (principal.isSuperuser || principal.permissions.has(permission));
}
