// Request authentication in a client-service that holds the verifying key: the signature, type,
// expiry and audience are checked in-process, and the user comes from the local copy. Once that
// copy is fresh, a request costs no call to the auth-service.
import type { Context } from 'koa';
import type { Clock } from '../core/clock';
import type { Principal } from '../core/principal';
import { TokenCodec } from '../core/tokens';
import { AuthenticationFailed } from '../errors';
import type { RequestAuthenticator } from '../http/authenticator';
import { BearerVerifier, noUserId } from '../http/bearer-verifier';
import type { ClientSettings } from './client-settings';
import { UserSync } from './user-sync';

/**
 * Verifies Bearer access tokens locally.
 *
 * @example
 *   const principal = await new LocalVerification(settings, codec, sync, clock).authenticate(ctx);
 */
export class LocalVerification implements RequestAuthenticator {
  private readonly bearer: BearerVerifier;

  constructor(
    private readonly settings: ClientSettings,
    codec: TokenCodec,
    private readonly users: UserSync,
    clock: Clock,
  ) {
    this.bearer = new BearerVerifier(settings, codec, clock);
  }

  authenticate(ctx: Context): Principal | Promise<Principal> {
    const { raw, userId: id } = this.bearer.read(ctx);
    // Local copies are keyed by the auth-service's integer id.
    if (typeof id !== 'number') throw noUserId();
    // A stale or missing copy is fetched with the request's own token, as easyjwt does.
    const principal = this.users.principalFor(id, raw);
    return principal instanceof Promise ? principal.then((loaded) => this.active(loaded)) : this.active(principal);
  }

  private active(principal: Principal): Principal {
    if (this.settings.CHECK_USER_IS_ACTIVE && !principal.isActive) throw new AuthenticationFailed('User is inactive', 'user_inactive');
    return principal;
  }
}
