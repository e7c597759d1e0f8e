// The `json` delivery mode, the default and the wire contract of simplejwt and easyjwt: tokens in
// response bodies, `Authorization: Bearer` in requests, the refresh token in request bodies.
import type { Context } from 'koa';
import { requireStrings } from '../http/fields';
import type { DeliveredTokens, RefreshInput, TokenDelivery } from './delivery';

/**
 * Tokens in JSON bodies. Nothing is stored in the browser by the service, so there is nothing for
 * CSRF to abuse and nothing to clear.
 *
 * @example
 *   new JsonDelivery().writeTokens(ctx, { event: 'obtain', refresh, access }); // {"refresh","access"}
 */
export class JsonDelivery implements TokenDelivery {
  readonly mode = 'json' as const;
  readonly usesCookies = false;
  readonly readAccessCookie = null;
  readonly issueCsrfCookie = null;

  guardLogin(): void {}

  readRefresh(_ctx: Context, body: unknown): RefreshInput {
    return { token: requireStrings(body, { refresh: {} }).refresh, fromCookie: false };
  }

  writeTokens(_ctx: Context, tokens: DeliveredTokens, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    // The order of the contract: a login answers {"refresh","access"}, a refresh {"access"(,"refresh")}.
    const body: Record<string, unknown> =
      tokens.event === 'obtain'
        ? { refresh: tokens.refresh, access: tokens.access }
        : { access: tokens.access, ...(tokens.refresh ? { refresh: tokens.refresh } : {}) };
    return Object.assign(body, extra);
  }

  clear(): void {}
}
