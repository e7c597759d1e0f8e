// POST /social-exchange/: an identity provider's OpenID Connect id token in, our pair out, in the
// configured delivery mode, as a login answers. Mounted only when OIDC_PROVIDERS lists a provider.
import type { Context } from 'koa';
import { Body, Controller, Ctx, Post } from 'routing-controllers';
import type { AuthServiceParts } from '../../auth-service/parts';
import type { SocialExchange } from '../../auth-service/social-exchange';
import { requestInfo } from '../../core/request-info';
import { MAX_TOKEN_LENGTH } from '../../core/compact-jws';
import { ValidationFailed } from '../../errors';
import { serviceOf } from '../../http/authenticator';
import { DrfView } from '../../http/controller-driver';
import { requireStrings } from '../../http/fields';

/** The optional string fields of the body, and the longest each may be. */
const OPTIONAL_STRINGS = { access_token: MAX_TOKEN_LENGTH, refresh_token: MAX_TOKEN_LENGTH, token_type: 64, provider: 64, nonce: 512 } as const;

/**
 * The optional fields, checked as DRF checks optional CharFields (absent or null: not given);
 * `expires_in` must be a whole number when given. refresh_token, token_type and expires_in are
 * accepted so a client written for the Cognito exchange can send its whole token answer; they
 * are never stored (a provider's refresh token kept here would make this database worth stealing).
 */
function optionalFields(body: Record<string, unknown>): Record<keyof typeof OPTIONAL_STRINGS, string | null> {
  const problems: Record<string, string[]> = {};
  const values = {} as Record<keyof typeof OPTIONAL_STRINGS, string | null>;
  for (const [name, max] of Object.entries(OPTIONAL_STRINGS) as [keyof typeof OPTIONAL_STRINGS, number][]) {
    const value = body[name];
    values[name] = null;
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') problems[name] = ['Not a valid string.'];
    else if (value.length > max) problems[name] = [`Ensure this field has no more than ${max} characters.`];
    else if (value.trim() !== '') values[name] = value.trim();
  }
  const expiresIn = body.expires_in;
  if (expiresIn !== undefined && expiresIn !== null && !(Number.isSafeInteger(expiresIn) || (typeof expiresIn === 'string' && /^\d{1,9}$/.test(expiresIn)))) {
    problems.expires_in = ['A valid integer is required.'];
  }
  if (Object.keys(problems).length > 0) throw new ValidationFailed(problems);
  return values;
}

/** POST /social-exchange/. */
@DrfView()
@Controller()
export class SocialExchangeController {
  @Post('/social-exchange/')
  async exchange(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { delivery, throttle, socialExchange } = serviceOf<AuthServiceParts>(ctx);
    delivery.guardLogin(ctx);
    const { id_token: idToken } = requireStrings(body, { id_token: {} });
    const fields = optionalFields(body as Record<string, unknown>);
    if (idToken.length > MAX_TOKEN_LENGTH) throw new ValidationFailed({ id_token: [`Ensure this field has no more than ${MAX_TOKEN_LENGTH} characters.`] });
    const request = requestInfo(ctx);
    // Failures count against the caller's address as failed logins do; there is no account to count against.
    const pair = await throttle.guard(null, request, () =>
      (socialExchange as SocialExchange).exchange({ idToken, provider: fields.provider, nonce: fields.nonce, accessToken: fields.access_token }, request),
    );
    return delivery.writeTokens(ctx, { event: 'obtain', refresh: pair.refresh, access: pair.access }, pair.user ? { user: pair.user } : {});
  }
}
