// django-easyjwt's open sign-up, POST /create-user/: the request and answer of its CreateUserView
// (a DRF CreateAPIView over its user model), mounted only with CREATE_USER_ENABLED.
import type { Context } from 'koa';
import { Body, Controller, Ctx, HttpCode, Post } from 'routing-controllers';
import type { AuthServiceParts } from '../../auth-service/parts';
import type { NewUserFields } from '../../auth-service/user-store';
import { requestInfo } from '../../core/request-info';
import { EasyJwtError, UserRefused, ValidationFailed } from '../../errors';
import { DrfView } from '../../http/controller-driver';
import { serviceOf } from '../../http/authenticator';
import type { OptionalStringField } from '../../http/fields';
import { readStrings } from '../../http/fields';

type Field = 'email' | 'password' | 'first_name' | 'last_name' | 'phone';

/**
 * The body fields, in the order easyjwt's serializer declares them (so DRF lists their problems in
 * this order), read as its model fields make DRF read them. The password is not trimmed, unlike
 * easyjwt's, because our login does not trim it either: a password set with a trailing space must
 * be the one that logs in.
 */
const FIELDS: Record<Field, OptionalStringField> = {
  email: {},
  password: { trim: false },
  first_name: { required: false, allowBlank: true },
  last_name: { required: false, allowBlank: true },
  phone: { required: false, allowBlank: true, allowNull: true },
};

/** Problems listed in the serializer's field order, whatever order they were found in. */
function inFieldOrder(problems: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const ordered: Record<string, string[]> = {};
  for (const field of [...Object.keys(FIELDS), ...Object.keys(problems)]) if (problems[field] && !ordered[field]) ordered[field] = [...problems[field]];
  return ordered;
}

/** POST /create-user/. */
@DrfView()
@Controller()
export class CreateUserController {
  /**
   * Creates an active, non-staff user from `{"email","password","first_name"?,"last_name"?,"phone"?}`
   * and answers 201 `{"id","email","first_name","last_name","phone"}` (never the password); any
   * other key of the body is ignored, as DRF ignores fields its serializer does not declare. Every
   * field's problems are answered at once, 400 in DRF's shape. Each attempt, whatever its outcome,
   * counts against the caller's address (LOGIN_THROTTLE_PER_IP): 429 past it, before any work.
   */
  @Post('/create-user/')
  @HttpCode(201)
  async create(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { users, events, signUpThrottle } = serviceOf<AuthServiceParts>(ctx);
    const request = requestInfo(ctx);
    const ticket = await signUpThrottle?.enter(null, request);
    try {
      const { values, problems } = readStrings(body, FIELDS);
      const input: NewUserFields = {
        email: values.email ?? undefined,
        password: values.password ?? undefined,
        firstName: values.first_name ?? undefined,
        lastName: values.last_name ?? undefined,
        phone: values.phone,
      };
      // A field missing or of the wrong type: the other fields are judged all the same, as DRF does.
      if (Object.keys(problems).length > 0) throw new ValidationFailed(inFieldOrder({ ...(await users.problemsOf(input)), ...problems }));
      const user = await users.create({ ...input, email: input.email ?? '', password: input.password ?? '' }).catch((error: unknown) => {
        throw error instanceof UserRefused ? new ValidationFailed(inFieldOrder(error.fields)) : error;
      });
      events.emit('signedUp', { userId: user.id, request });
      return { id: user.id, email: user.email, first_name: user.firstName, last_name: user.lastName, phone: user.phone };
    } catch (error) {
      // The point stays spent on a success or a refusal alike; a server failure gives it back.
      if (!(error instanceof EasyJwtError && error.status < 500)) ticket?.cancelled();
      throw error;
    }
  }
}
