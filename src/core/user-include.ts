// What our client-services ask the auth-service's user endpoint to add to the user JSON. It is a
// request header, not a query parameter, so the configurable user path stays as the operator wrote
// it, a Django easyjwt client (which never sends it) keeps getting the exact easyjwt JSON, and a
// stock Django auth-service simply ignores it.

/** The request header naming extra parts of the user JSON, comma-separated. */
export const USER_INCLUDE_HEADER = 'X-EasyJWT-Include';

/** The part that adds `"permissions": ["app_label.codename", ...]`, sorted, direct and through groups. */
export const INCLUDE_PERMISSIONS = 'permissions';

/** Whether a USER_INCLUDE_HEADER value (e.g. `permissions, groups`) asks for `part`, in any case. */
export function wantsPart(header: string | undefined, part: string): boolean {
  if (!header) return false;
  return header.split(',').some((name) => name.trim().toLowerCase() === part);
}

/** A principal's permissions as the user JSON carries them: sorted, so answers compare equal. */
export function permissionList(permissions: ReadonlySet<string>): string[] {
  return [...permissions].sort();
}
