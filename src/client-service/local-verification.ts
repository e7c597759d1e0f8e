// Request authentication in a client-service that holds the verifying key: the signature, type,
// expiry and audience are checked in-process, and the user comes from the local copy. Once that
// copy is fresh, a request costs no call to the auth-service.
import type { Context } from 'koa';
import type { Clock } from '../core/clock';
import type { Principal } from '../core/principal';
import { TokenCodec } from '../core/tokens';
import { VerifiedTokens } from '../core/verified-tokens';
import { AuthenticationFailed, BearerTokenRejected, InvalidToken, NotAuthenticated } from '../errors';
import type { RequestAuthenticator } from '../http/authenticator';
import { readBearerToken } from '../http/bearer';
import type { ClientSettings } from './client-settings';
import { UserSync } from './user-sync';

/**
 * Verifies Bearer access tokens locally.
 *
 * @example
 *   const principal = await new LocalVerification(settings, codec, sync, clock).authenticate(ctx);
 */
export class LocalVerification implements RequestAuthenticator {
  private readonly verified: VerifiedTokens;

  constructor(
    private readonly settings: ClientSettings,
    private readonly codec: TokenCodec,
    private readonly users: UserSync,
    clock: Clock,
  ) {
    this.verified = new VerifiedTokens(codec, clock, settings.LEEWAY, settings.USER_CACHE_SIZE, settings.TOKEN_TYPE_CLAIM);
  }

  async authenticate(ctx: Context): Promise<Principal> {
    const raw = readBearerToken(ctx.get(this.settings.AUTH_HEADER_NAME), this.settings.AUTH_HEADER_TYPES);
    if (raw === null) throw new NotAuthenticated();
    let claims;
    try {
      claims = this.verified.verify(raw, 'access');
    } catch (error) {
      throw error instanceof InvalidToken ? new BearerTokenRejected(error) : error;
    }
    const id = this.codec.userIdOf(claims);
    if (typeof id !== 'number') throw new AuthenticationFailed('Token contained no recognizable user identification', 'token_not_valid');
    // A stale or missing copy is fetched with the request's own token, as easyjwt does.
    const principal = await this.users.principalFor(id, raw);
    if (this.settings.CHECK_USER_IS_ACTIVE && !principal.isActive) throw new AuthenticationFailed('User is inactive', 'user_inactive');
    return principal;
  }
}
