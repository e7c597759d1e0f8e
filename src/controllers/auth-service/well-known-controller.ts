// The auth-service's public keys, where client-services and other verifiers look for them:
// GET /.well-known/jwks.json and the OpenID discovery document that points at it. Served at the
// root of the service, whatever URL_PREFIX is, as RFC 8615 places /.well-known/.
import type { Context } from 'koa';
import { Controller, Ctx, Get } from 'routing-controllers';
import type { AuthServiceParts } from '../../auth-service/parts';
import { jwkSet } from '../../core/jwk';
import { serviceOf } from '../../http/authenticator';

/** Where these routes live, for the mount that sends requests to them. */
export const WELL_KNOWN_PREFIX = '/.well-known';

/** GET /.well-known/jwks.json and /.well-known/openid-configuration. */
@Controller(WELL_KNOWN_PREFIX)
export class WellKnownController {
  /**
   * Every key that verifies now, a key published ahead of signing included; `{"keys":[]}` with
   * HMAC keys only. Cached for JWKS_MAX_AGE: a verifier meeting an unknown kid should fetch again.
   */
  @Get('/jwks.json')
  jwks(@Ctx() ctx: Context) {
    const { keys, settings } = serviceOf<AuthServiceParts>(ctx);
    ctx.set('Cache-Control', `public, max-age=${settings.JWKS_MAX_AGE}`);
    return jwkSet(keys.keys());
  }

  /** The discovery document: `issuer` (ISSUER, or this service's base URL) and `jwks_uri`. */
  @Get('/openid-configuration')
  configuration(@Ctx() ctx: Context) {
    const { settings } = serviceOf<AuthServiceParts>(ctx);
    // The Host header names the base URL when ISSUER does not: set ISSUER behind a proxy that rewrites it.
    const base = `${ctx.protocol}://${ctx.host}`;
    return { issuer: settings.ISSUER ?? base, jwks_uri: `${base}${WELL_KNOWN_PREFIX}/jwks.json` };
  }
}
