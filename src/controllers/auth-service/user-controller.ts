// The user endpoints of the auth-service: who am I, one user, all users, password change.
import type { Context } from 'koa';
import { Body, Controller, Ctx, Get, Param, Post } from 'routing-controllers';
import { DrfView } from '../../http/controller-driver';
import type { AuthServiceParts } from '../../auth-service/parts';
import type { AuthPrincipal } from '../../core/principal';
import { INCLUDE_PERMISSIONS, permissionList, USER_INCLUDE_HEADER, wantsPart } from '../../core/user-include';
import { AuthUser, JwtLoginRequired, JwtStaffRequired } from '../../decorators/jwt-guards';
import { InvalidCredentials, NoActiveAccount, NotFound, PermissionDenied } from '../../errors';
import { serviceOf } from '../../http/authenticator';
import { requireStrings } from '../../http/fields';
import { requestInfo } from '../../core/request-info';

/** GET /user/, /users/{id}/, /users/ and POST /password-change/. */
@DrfView()
@Controller()
export class UserController {
  /**
   * The authenticated user, from the per-user snapshot: no database read when it is fresh. Our
   * client-services send `X-EasyJWT-Include: permissions` to get the permissions too, so guards
   * there can use them; without it the answer is the exact easyjwt JSON a Django client expects.
   */
  @Get('/user/')
  @JwtLoginRequired()
  me(@Ctx() ctx: Context, @AuthUser() user: AuthPrincipal) {
    // A serializer that sends permissions of its own stays in charge of them.
    if (!wantsPart(ctx.get(USER_INCLUDE_HEADER), INCLUDE_PERMISSIONS) || 'permissions' in user.data) return user.data;
    return { ...user.data, permissions: permissionList(user.permissions) };
  }

  /** One user: your own id, or any id for staff. */
  @Get('/users/:id/')
  @JwtLoginRequired()
  async one(@Ctx() ctx: Context, @AuthUser() user: AuthPrincipal, @Param('id') id: string) {
    if (!/^\d{1,9}$/.test(id)) throw new NotFound();
    const wanted = Number(id);
    if (wanted !== user.id && !user.isStaff) throw new PermissionDenied();
    if (wanted === user.id) return user.data;
    const { users, serializer } = serviceOf<AuthServiceParts>(ctx);
    const found = await users.withPermissions(wanted);
    if (!found) throw new NotFound();
    return serializer.serialize(found.user);
  }

  /** Every user, for staff. */
  @Get('/users/')
  @JwtStaffRequired()
  async list(@Ctx() ctx: Context) {
    const { users, serializer } = serviceOf<AuthServiceParts>(ctx);
    return (await users.list()).map((user) => serializer.serialize(user));
  }

  /** Changes a password given the current credentials (the new one must pass the password rules); revokes every token of the user. */
  @Post('/password-change/')
  async changePassword(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { issuer, settings, throttle } = serviceOf<AuthServiceParts>(ctx);
    const login = settings.LOGIN_FIELD;
    // easyjwt's serializer declares the login field last, so DRF lists its errors in this order.
    const fields = requireStrings(body, { password: { trim: false }, new_password: { trim: false }, [login]: {} });
    try {
      // Counted with logins: both check the current password, so both can be used to guess it.
      // The throttle sees the 401 and counts the failure; the client sees easyjwt's 400.
      await throttle.guard(fields[login], requestInfo(ctx), () => issuer.changePassword(fields[login], fields.password, fields.new_password));
    } catch (error) {
      if (error instanceof NoActiveAccount) throw new InvalidCredentials();
      throw error;
    }
    return {};
  }
}
