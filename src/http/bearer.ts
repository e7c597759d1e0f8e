// Reading the raw token from an Authorization header, as simplejwt's JWTAuthentication does.
import { BadAuthorizationHeader } from '../errors';

/**
 * The token in `header`, or null when the header is absent or names another scheme (the request
 * is then simply not authenticated). The scheme comparison is case-sensitive, as in simplejwt.
 *
 * @example
 *   readBearerToken('Bearer abc.def.ghi', ['Bearer']); // 'abc.def.ghi'
 *   readBearerToken('Basic Zm9v', ['Bearer']);         // null
 */
export function readBearerToken(header: string | undefined, schemes: readonly string[]): string | null {
  if (!header) return null;
  const parts = header.trim().split(/\s+/);
  if (parts[0] === '' || !schemes.includes(parts[0])) return null;
  if (parts.length !== 2) {
    throw new BadAuthorizationHeader();
  }
  return parts[1];
}
