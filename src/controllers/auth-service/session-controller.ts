// The registry's endpoints on the auth-service: expire a token or its tree, list and end
// sessions, log out everywhere. Owners act on their own; staff on anyone's (`?user=<id>`).
import type { Context } from 'koa';
import { Body, Controller, Ctx, Delete, Get, Param, Post } from 'routing-controllers';
import type { AuthServiceParts } from '../../auth-service/parts';
import type { AuthPrincipal } from '../../core/principal';
import { requestInfo } from '../../core/request-info';
import { AuthUser, JwtLoginRequired } from '../../decorators/jwt-guards';
import { NotFound, ValidationFailed } from '../../errors';
import { accessClaimsOf } from '../../http/access-claims';
import { serviceOf } from '../../http/authenticator';
import { requireStrings } from '../../http/fields';

const TRUE = new Set<unknown>([true, 'true', 'True', '1', 1]);
const FALSE = new Set<unknown>([false, 'false', 'False', '0', 0]);

/** `affect_tree` as DRF's BooleanField reads it: absent is false, anything unrecognised is a 400. */
function affectTree(body: unknown): boolean {
  const value = (body as Record<string, unknown>).affect_tree;
  if (value === undefined || FALSE.has(value)) return false;
  if (TRUE.has(value)) return true;
  throw new ValidationFailed({ affect_tree: ['Must be a valid boolean.'] });
}

/** The user a request acts on: `?user=<id>` when given, else the actor. */
function targetUser(ctx: Context, actor: AuthPrincipal): number {
  const given = ctx.query.user;
  if (given === undefined) return actor.id;
  if (typeof given !== 'string' || !/^\d{1,9}$/.test(given)) throw new ValidationFailed({ user: ['A valid integer is required.'] });
  return Number(given);
}

/** The jti of the token that authenticated this request (the guard ran first), to mark the asker's own session. */
function currentJti(ctx: Context): string | null {
  const claims = accessClaimsOf(ctx);
  return claims ? serviceOf<AuthServiceParts>(ctx).codec.jtiOf(claims) : null;
}

/** POST /token/expire/, GET /sessions/, DELETE /sessions/{id}/, POST /logout-all/. */
@Controller()
export class SessionController {
  /** Expires a token (the owner's or, for staff, anyone's); `affect_tree` expires its whole tree. */
  @Post('/token/expire/')
  @JwtLoginRequired()
  async expire(@Ctx() ctx: Context, @AuthUser() actor: AuthPrincipal, @Body({ required: false }) body: unknown) {
    const { token } = requireStrings(body, { token: {} });
    const tree = affectTree(body);
    await serviceOf<AuthServiceParts>(ctx).registryActions.expireToken(actor, token, { affectTree: tree, request: requestInfo(ctx) });
    return {};
  }

  /** The active sessions of the user (or of `?user=<id>`, for staff), most recently used first. */
  @Get('/sessions/')
  @JwtLoginRequired()
  sessions(@Ctx() ctx: Context, @AuthUser() actor: AuthPrincipal) {
    return serviceOf<AuthServiceParts>(ctx).registryActions.listSessions(actor, targetUser(ctx, actor), currentJti(ctx));
  }

  /** Ends one session and every token of it. */
  @Delete('/sessions/:id/')
  @JwtLoginRequired()
  async endSession(@Ctx() ctx: Context, @AuthUser() actor: AuthPrincipal, @Param('id') id: string) {
    if (!/^\d{1,9}$/.test(id)) throw new NotFound();
    await serviceOf<AuthServiceParts>(ctx).registryActions.endSession(actor, Number(id), requestInfo(ctx));
    return {};
  }

  /** Ends every session of the user (or of `?user=<id>`, for staff). */
  @Post('/logout-all/')
  @JwtLoginRequired()
  async logoutAll(@Ctx() ctx: Context, @AuthUser() actor: AuthPrincipal) {
    await serviceOf<AuthServiceParts>(ctx).registryActions.logoutAll(actor, targetUser(ctx, actor), requestInfo(ctx));
    return {};
  }
}
