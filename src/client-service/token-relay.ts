// What a client-service's login, refresh and logout do around the auth-service call: the
// upstream always speaks the JSON contract; this side delivers the tokens the way its own
// DELIVERY_MODE says (bodies or cookies), keeps the user copy, adds `user` to answers when asked,
// and announces the lifecycle events.
import type { Context } from 'koa';
import type { AuthPrincipal, Principal } from '../core/principal';
import { requestInfo } from '../core/request-info';
import { unverifiedClaims, unverifiedExp, userIdFromClaims } from '../core/tokens';
import type { RefreshInput } from '../delivery/delivery';
import { readRefreshIfAny } from '../delivery/delivery';
import { AuthServiceUnavailable, InvalidCredentials, NotFound } from '../errors';
import { maskLogin } from '../events';
import { requireStrings } from '../http/fields';
import type { ClientServiceParts } from './parts';
import { principalFromUserClaim } from './local-verification';
import { relayStatus } from './relay-status';
import type { UpstreamReply } from './upstream';

type Body = Record<string, unknown>;

/** The auth-service's answer to a refused blacklist of a token it had blacklisted already. */
const ALREADY_BLACKLISTED = 'Token is blacklisted';

/**
 * The integer user id in a token the auth-service just handed over (read, not verified), or null.
 * Local copies are keyed by the auth-service's integer id, so the claim is read as USER_ID_FIELD
 * `id` reads it, whatever this service's setting says.
 */
function userIdIn(parts: ClientServiceParts, token: string): number | null {
  const claims = unverifiedClaims(token);
  const id = claims === null ? null : userIdFromClaims(claims, { USER_ID_CLAIM: parts.settings.USER_ID_CLAIM, USER_ID_FIELD: 'id' });
  return typeof id === 'number' ? id : null;
}

/** Whether a token's `exp` has passed (read, not verified: only to skip a pointless upstream call). */
function hasExpired(parts: ClientServiceParts, token: string): boolean {
  const exp = unverifiedExp(token);
  return exp !== null && exp <= Math.floor(parts.clock.now() / 1000) - parts.settings.LEEWAY;
}

/**
 * Relays the auth endpoints for one client-service.
 *
 * @example
 *   return new TokenRelay(serviceOf<ClientServiceParts>(ctx)).login(ctx, body);
 */
export class TokenRelay {
  constructor(private readonly parts: ClientServiceParts) {}

  /** Login: forward the credentials; on success keep the user copy and deliver the pair. */
  login(ctx: Context, body: unknown): Promise<Body> {
    return this.signIn(ctx, this.parts.settings.REMOTE_AUTH_SERVICE_TOKEN_PATH, body);
  }

  /**
   * Social exchange: an identity provider's id token forwarded to the auth-service, whose pair is
   * delivered here as a login's is, so a page signs in through its own origin whatever the mode.
   * The body names no login, so only the caller's address is counted by the throttle.
   */
  socialExchange(ctx: Context, body: unknown): Promise<Body> {
    return this.signIn(ctx, this.parts.settings.REMOTE_AUTH_SERVICE_SOCIAL_EXCHANGE_PATH, body);
  }

  /** A sign-in relayed to `path`: on success keep the user copy and deliver the pair. */
  private async signIn(ctx: Context, path: string, body: unknown): Promise<Body> {
    const { delivery, events } = this.parts;
    delivery.guardLogin(ctx);
    const reply = await this.throttledPost(ctx, path, body);
    relayStatus(ctx, reply);
    const { refresh, access, ...rest } = reply.body;
    if (reply.status !== 200) {
      events.emit('loginFailed', { login: loginIn(body), status: reply.status, request: requestInfo(ctx) });
      return reply.body;
    }
    if (typeof access !== 'string' || typeof refresh !== 'string') {
      // json mode passes such an answer on, as it always has; cookies cannot be made from it.
      if (!delivery.usesCookies) return reply.body;
      throw new AuthServiceUnavailable('the login answer carries no tokens: the auth-service must deliver them as JSON (DELIVERY_MODE json)');
    }
    const principal = await this.loggedIn(ctx, access);
    events.emit('loginSucceeded', { userId: principal.id, request: requestInfo(ctx) });
    return delivery.writeTokens(ctx, { event: 'obtain', refresh, access }, this.withUser(rest, principal));
  }

  /** Password change: forwarded under this service's throttle, with the caller's address. */
  async changePassword(ctx: Context, body: unknown): Promise<Body> {
    const reply = await this.throttledPost(ctx, this.parts.settings.REMOTE_AUTH_SERVICE_PASSWORD_CHANGE_PATH, body);
    relayStatus(ctx, reply);
    return reply.body;
  }

  /**
   * POSTs credentials under this service's own throttle (429 here, before the auth-service is
   * asked, past the limit): a 401, or a password change's 400 for wrong credentials, counts as a
   * failure, a 200 as a success. The caller's address
   * goes along in X-Forwarded-For, appended as a proxy appends it, so an auth-service whose
   * NUM_PROXIES counts this service throttles and records the caller, not this service.
   */
  private async throttledPost(ctx: Context, path: string, body: unknown): Promise<UpstreamReply> {
    const { upstream, settings, throttle } = this.parts;
    // Without a login there is no account to count; the auth-service answers 400, which counts as nothing.
    const ticket = await throttle.enter(loginValue(body, settings.LOGIN_FIELD), requestInfo(ctx));
    let reply: UpstreamReply;
    try {
      reply = await upstream.post(path, body, { 'X-Forwarded-For': forwardedFor(ctx) });
    } catch (error) {
      ticket.cancelled();
      throw error;
    }
    if (reply.status === 200) ticket.succeeded();
    else if (reply.status === 401 || wrongCredentials(reply)) ticket.failed();
    else ticket.cancelled();
    return reply;
  }

  /** Refresh: the refresh token from wherever the mode carries it; new tokens delivered likewise. */
  async refresh(ctx: Context, body: unknown): Promise<Body> {
    const { delivery, upstream, settings, events } = this.parts;
    // json mode forwards the body untouched, so the auth-service judges it as it always has.
    const input = delivery.usesCookies ? delivery.readRefresh(ctx, body) : null;
    const reply = await upstream.post(settings.REMOTE_AUTH_SERVICE_REFRESH_PATH, input ? { refresh: input.token } : body);
    relayStatus(ctx, reply);
    if (reply.status !== 200 || typeof reply.body.access !== 'string') {
      // A refresh cookie that no longer works is dropped, so the page knows to log in again.
      if (input?.fromCookie && reply.status === 401) delivery.clear(ctx);
      return reply.body;
    }
    const { access, refresh, ...rest } = reply.body;
    const rotated = typeof refresh === 'string' ? refresh : undefined;
    const userId = userIdIn(this.parts, access);
    events.emit('tokenRefreshed', { userId, rotated: rotated !== undefined, request: requestInfo(ctx) });
    const principal = settings.TOKEN_RESPONSE_USER && userId !== null ? await this.principalOf(ctx, access, userId) : null;
    const refreshUsed = input?.token ?? (typeof (body as Body | null)?.refresh === 'string' ? ((body as Body).refresh as string) : undefined);
    return delivery.writeTokens(ctx, { event: 'refresh', access: access, refresh: rotated, refreshUsed }, this.withUser(rest, principal));
  }

  /**
   * Logout: blacklist the refresh token at the auth-service and clear this service's cookies. An
   * expired or already blacklisted token answers 200; so, in cookie modes, does a missing or bad
   * refresh cookie (the cookies are cleared either way). Other refusals pass through in json mode.
   */
  async logout(ctx: Context, body: unknown): Promise<Body> {
    const { delivery, events } = this.parts;
    const input = delivery.usesCookies ? readRefreshIfAny(delivery, ctx, body) : { token: requireStrings(body, { refresh: {} }).refresh, fromCookie: false };
    let blacklisted = false;
    if (input && !hasExpired(this.parts, input.token)) {
      let reply: UpstreamReply | null;
      try {
        reply = await this.postBlacklist({ refresh: input.token });
      } catch (error) {
        // The auth-service is down: the token stays valid there, say so, but drop the cookies.
        delivery.clear(ctx);
        throw error;
      }
      // null: an auth-service with no blacklist (django-easyjwt 1.0). Logging out is best effort
      // there, as easyjwt 1.1's client makes it: the token stays valid until it expires.
      blacklisted = reply?.status === 200;
      const harmless = reply === null || (reply.status === 401 && (reply.body.detail === ALREADY_BLACKLISTED || input.fromCookie));
      if (reply && !blacklisted && !harmless) {
        relayStatus(ctx, reply);
        return reply.body;
      }
    }
    delivery.clear(ctx);
    events.emit('loggedOut', { userId: input ? userIdIn(this.parts, input.token) : null, blacklisted, request: requestInfo(ctx) });
    ctx.status = 200;
    return {};
  }

  /**
   * django-easyjwt 1.1's `token/logout/`: blacklist the refresh token if the auth-service can,
   * clear this service's cookies, and answer 200 `{"detail":"Logged out."}` whatever happened
   * upstream. No token, a bad or expired one, an auth-service without a blacklist or one that is
   * down: each is logged, none is the caller's problem, as easyjwt's view makes it. Only the CSRF
   * and origin checks of a cookie mode refuse. The token comes from where the mode carries it; in
   * json mode from an optional `refresh` field of the body.
   */
  async bestEffortLogout(ctx: Context, body: unknown): Promise<Body> {
    const { delivery, events, logger } = this.parts;
    const input = delivery.usesCookies ? readRefreshIfAny(delivery, ctx, body) : refreshField(body);
    let blacklisted = false;
    if (input && !hasExpired(this.parts, input.token)) {
      try {
        const reply = await this.postBlacklist({ refresh: input.token });
        blacklisted = reply?.status === 200;
        if (reply && !blacklisted)
          logger.debug({ status: reply.status, detail: reply.body.detail }, 'the auth-service did not blacklist the refresh token of a logout');
      } catch (error) {
        logger.warn({ err: error }, 'could not blacklist the refresh token of a logout: it stays valid at the auth-service until it expires');
      }
    }
    delivery.clear(ctx);
    events.emit('loggedOut', { userId: input ? userIdIn(this.parts, input.token) : null, blacklisted, request: requestInfo(ctx) });
    ctx.status = 200;
    return { detail: 'Logged out.' };
  }

  /** Blacklist: relayed as it came; from an auth-service without the route, our JSON 404. */
  async blacklist(ctx: Context, body: unknown): Promise<Body> {
    const reply = await this.postBlacklist(body);
    if (reply === null) throw new NotFound();
    relayStatus(ctx, reply);
    return reply.body;
  }

  /** POSTs to the auth-service's blacklist; null when it has none (404 or 405), said once at warn. */
  private postBlacklist(body: unknown): Promise<UpstreamReply | null> {
    const { upstream, settings, logger } = this.parts;
    const path = settings.REMOTE_AUTH_SERVICE_BLACKLIST_PATH;
    return upstream.postIfServed(path, body, () =>
      logger.warn({ path }, 'the auth-service has no blacklist route (404 or 405): logouts cannot blacklist refresh tokens there'),
    );
  }

  /** The user behind a new login: from the token's user claim, or the copy synced just now. */
  private async loggedIn(ctx: Context, access: string): Promise<AuthPrincipal> {
    const { upstream, users, settings } = this.parts;
    if (settings.USER_FROM_CLAIM !== null) return this.claimPrincipal(access);
    const user = await upstream.getWithToken(settings.REMOTE_AUTH_SERVICE_USER_PATH, `${settings.AUTH_HEADER_TYPES[0]} ${access}`);
    if (user.status !== 200) throw new AuthServiceUnavailable(`user endpoint answered ${user.status} right after a login`);
    return users.upsert(user.body, 'login', requestInfo(ctx));
  }

  private async principalOf(ctx: Context, access: string, userId: number): Promise<Principal> {
    if (this.parts.settings.USER_FROM_CLAIM !== null) return this.claimPrincipal(access);
    return this.parts.users.principalFor(userId, access, ctx);
  }

  private claimPrincipal(access: string): AuthPrincipal {
    const claims = unverifiedClaims(access);
    const id = userIdIn(this.parts, access);
    const principal = id === null ? null : principalFromUserClaim(claims?.[this.parts.settings.USER_FROM_CLAIM as string], id);
    if (!principal)
      throw new AuthServiceUnavailable(
        `the auth-service's token has no "${String(this.parts.settings.USER_FROM_CLAIM)}" claim (USER_FROM_CLAIM needs its USER_PAYLOAD_CLAIM)`,
      );
    return principal;
  }

  /** The rest of the upstream answer, plus `user` (this service's view of them) when TOKEN_RESPONSE_USER asks. */
  private withUser(rest: Body, principal: Principal | null): Body {
    return this.parts.settings.TOKEN_RESPONSE_USER && principal ? { ...rest, user: principal.data } : rest;
  }
}

/** The `refresh` field of a json-mode logout body, or null when it has no usable one (a logout then revokes nothing). */
function refreshField(body: unknown): RefreshInput | null {
  const value = body !== null && typeof body === 'object' ? (body as Body).refresh : undefined;
  return typeof value === 'string' && value !== '' ? { token: value, fromCookie: false } : null;
}

/** The login field of a body, as the auth-service reads it (text or a number, trimmed), or null. */
function loginValue(body: unknown, field: string): string | null {
  if (body === null || typeof body !== 'object') return null;
  const value = (body as Body)[field];
  const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
  return text === '' ? null : text;
}

/** X-Forwarded-For as a proxy passes it on: what came in, then the address this request came from. */
function forwardedFor(ctx: Context): string {
  const peer = ctx.req.socket.remoteAddress ?? '';
  const incoming = ctx.get('X-Forwarded-For').trim();
  return incoming ? `${incoming}, ${peer}` : peer;
}

/** The login named in a refused login's body, masked for the event; null when there is none. */
function loginIn(body: unknown): string | null {
  if (body === null || typeof body !== 'object') return null;
  const fields = body as Body;
  const login = typeof fields.email === 'string' ? fields.email : typeof fields.username === 'string' ? fields.username : null;
  return login === null ? null : maskLogin(login);
}

/** A password change refused for its credentials (easyjwt's 400), as against a refused new password. */
function wrongCredentials(reply: UpstreamReply): boolean {
  const problems = reply.body.non_field_errors;
  return reply.status === 400 && Array.isArray(problems) && problems.includes(InvalidCredentials.MESSAGE);
}
