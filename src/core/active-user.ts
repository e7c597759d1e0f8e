// The refusal of an inactive user on an authenticated request, in one place: the auth-service's
// authenticator and both client-service verifications answer it with the same 401.
import { UserInactive } from '../errors';
import type { Settings } from '../settings';
import type { Principal } from './principal';

/**
 * Throws simplejwt's 401 (`user_inactive`) for a user who is not active, when CHECK_USER_IS_ACTIVE
 * asks for the check; returns otherwise.
 *
 * @example
 *   refuseInactive(principal, settings);
 */
export function refuseInactive(user: Pick<Principal, 'isActive'>, settings: Pick<Settings, 'CHECK_USER_IS_ACTIVE'>): void {
  if (settings.CHECK_USER_IS_ACTIVE && !user.isActive) throw new UserInactive();
}
