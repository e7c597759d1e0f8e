// Request authentication with the auth-service's published keys: local verification in every
// respect (user copy, USER_FROM_CLAIM, guards), plus one thing only a fetched key set needs. A
// token naming a kid that is not held may be signed with a key the auth-service has just rotated
// in, so the JWKS is fetched again (within its cooldown) and the token tried once more.
import type { Context } from 'koa';
import type { Principal } from '../core/principal';
import type { RequestAuthenticator } from '../http/authenticator';
import type { JwksKeys } from '../jwks/jwks-keys';
import type { LocalVerification } from './local-verification';

/**
 * Verifies requests with a LocalVerification whose codec resolves keys from `keys`. A request
 * whose kid is held costs what it costs in local mode: the refetch is on the refusal path only.
 *
 * @example
 *   const authenticator = new JwksVerification(new LocalVerification(settings, codec, sync, clock), keys);
 */
export class JwksVerification implements RequestAuthenticator {
  constructor(
    private readonly local: LocalVerification,
    private readonly keys: JwksKeys,
  ) {}

  authenticate(ctx: Context): Principal | Promise<Principal> {
    try {
      return this.local.authenticate(ctx);
    } catch (error) {
      // Signatures are checked synchronously, so an unknown kid shows here, never in a promise.
      const kid = this.keys.takeUnknownKid();
      if (kid === null) throw error;
      return this.afterRefetch(ctx, kid, error);
    }
  }

  private async afterRefetch(ctx: Context, kid: string, refusal: unknown): Promise<Principal> {
    await this.keys.refetch();
    // Still unknown (a made-up kid, or the cooldown said no): the first refusal stands.
    if (!this.keys.has(kid)) throw refusal;
    let principal: Principal | Promise<Principal>;
    try {
      principal = this.local.authenticate(ctx);
    } finally {
      // A second miss is this request's too; it must not send the next refusal for a refetch.
      this.keys.takeUnknownKid();
    }
    return principal;
  }
}
