// The authenticated user as request handlers and guards see it, whichever service built it.

/** Who made a request: built once per user and reused from a cache on the hot path. */
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

/** Whether `principal` holds `permission`; superusers hold every permission, as in Django. */
export function hasPermission(principal: Principal, permission: string): boolean {
  return principal.isActive && (principal.isSuperuser || principal.permissions.has(permission));
}
