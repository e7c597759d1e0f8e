// Refusals of the social exchange, where an identity provider's id token is traded for our pair:
// the provider's token itself (401s, each with a code of its own so a front end can say what went
// wrong and operators can tell a misconfigured client id from an attack), the account it names
// (403s), and the provider being out of reach (503).
import { AuthenticationFailed } from './authentication-errors';
import { EasyJwtError } from './easyjwt-error';

/** 401 for an identity provider's token that does not verify. */
export abstract class ProviderTokenRejected extends AuthenticationFailed {
  protected override readonly codeInBody = true;
}

/**
 * 401 for a provider token that is malformed, signed badly or by no key of the provider, with an
 * algorithm the provider's settings do not allow (`none` included), or missing a required claim.
 * `unknownKid` names the kid when no key had it, so the caller may fetch the provider's keys again.
 */
export class ProviderTokenInvalid extends ProviderTokenRejected {
  readonly code = 'provider_token_invalid';
  constructor(
    cause: unknown,
    readonly unknownKid: string | null = null,
  ) {
    super('Identity provider token is invalid.', cause);
  }
}

/** 401 for a provider token past its `exp` (beyond the provider's leeway). */
export class ProviderTokenExpired extends ProviderTokenRejected {
  readonly code = 'provider_token_expired';
  constructor(cause: unknown) {
    super('Identity provider token has expired.', cause);
  }
}

/** 401 for a provider token whose `iss` is not the provider's issuer, exactly. */
export class ProviderIssuerMismatch extends ProviderTokenRejected {
  readonly code = 'provider_issuer_mismatch';
  constructor(cause: unknown) {
    super('Identity provider token was issued by another issuer.', cause);
  }
}

/** 401 for a provider token not issued to our client id (`aud`, or `azp` with several audiences). */
export class ProviderAudienceMismatch extends ProviderTokenRejected {
  readonly code = 'provider_audience_mismatch';
  constructor(cause: unknown) {
    super('Identity provider token was issued for another client.', cause);
  }
}

/** 401 when the request's nonce and the token's differ, or only one of them has one. */
export class NonceMismatch extends ProviderTokenRejected {
  readonly code = 'nonce_mismatch';
  constructor(cause: unknown) {
    super('Nonce does not match the identity provider token.', cause);
  }
}

/** 401 for a provider name that is not configured. */
export class UnknownProvider extends AuthenticationFailed {
  readonly code = 'unknown_provider';
  protected override readonly codeInBody = true;
  constructor(cause: unknown) {
    super('Unknown identity provider.', cause);
  }
}

/** 403 when the provider has not verified the email an account would be linked or created by. */
export class EmailNotVerified extends EasyJwtError {
  readonly status = 403;
  readonly code = 'email_not_verified';
  protected override readonly codeInBody = true;
  constructor(cause: unknown) {
    super('The identity provider has not verified this email address.', cause);
  }
}

/**
 * 403 when the identity is proven but no account is linked to it, and the provider's settings do
 * not create one: who the caller is is known, they are just not allowed in.
 */
export class AccountNotProvisioned extends EasyJwtError {
  readonly status = 403;
  readonly code = 'account_not_provisioned';
  protected override readonly codeInBody = true;
  constructor(cause: unknown) {
    super('No account is linked to this identity, and none is created for it.', cause);
  }
}

/** 503 when the provider's discovery document or keys cannot be had and none are known. */
export class ProviderUnavailable extends EasyJwtError {
  readonly status = 503;
  readonly code = 'provider_unavailable';
  protected override readonly codeInBody = true;
  constructor(cause: unknown) {
    super('Identity provider unavailable.', cause);
  }
}
