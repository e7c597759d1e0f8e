// The registry's endpoints on the auth-service: expire a token or its tree, list and end
// sessions. Owners act on their own; staff on anyone's (`?user=<id>`). They exist only with
// REGISTRY_ENABLED: without the registry nothing would honour what they write, so they are not
// mounted (404, like any unknown path) rather than answering 200 and changing nothing.
import type { Context } from 'koa';
import { Body, Controller, Ctx, Delete, Get, Param, Post } from 'routing-controllers';
import { DrfView } from '../../http/controller-driver';
import type { AuthServiceParts } from '../../auth-service/parts';
import type { AuthPrincipal } from '../../core/principal';
import { requestInfo } from '../../core/request-info';
import { AuthUser, JwtLoginRequired } from '../../decorators/jwt-guards';
import { NotFound, ValidationFailed } from '../../errors';
import { accessClaimsOf } from '../../http/access-claims';
import { serviceOf } from '../../http/authenticator';
import { requireStrings } from '../../http/fields';
import { targetUser } from './target-user';

const TRUE = new Set<unknown>([true, 'true', 'True', '1', 1]);
const FALSE = new Set<unknown>([false, 'false', 'False', '0', 0]);

/** `affect_tree` as DRF's BooleanField reads it: absent is false, anything unrecognised is a 400. */
function affectTree(body: unknown): boolean {
  const value = (body as Record<string, unknown>).affect_tree;
  if (value === undefined || FALSE.has(value)) return false;
  if (TRUE.has(value)) return true;
  throw new ValidationFailed({ affect_tree: ['Must be a valid boolean.'] });
}

/** The jti of the token that authenticated this request (the guard ran first), to mark the asker's own session. */
function currentJti(ctx: Context): string | null {
  const claims = accessClaimsOf(ctx);
  return claims ? serviceOf<AuthServiceParts>(ctx).codec.jtiOf(claims) : null;
}

/** POST /token/expire/, GET /sessions/, DELETE /sessions/{id}/. */
@DrfView()
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
}
