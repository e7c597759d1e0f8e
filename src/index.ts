// koa-easyjwt's public API: what a team uses to run an auth-service or a client-service, guard its
// routes, shape its user JSON and tokens, and handle errors. Everything else (the token codec's
// keys, the registry's internals, delivery classes, the upstream client) stays internal so it can
// change without breaking anyone; tests reach it through its src/ path. Errors are also importable
// on their own as `koa-easyjwt/errors`, test helpers as `koa-easyjwt/testing`.

// The auth-service.
export { createAuthService } from './services/auth-service';
export type { AuthService, AuthServiceOptions } from './services/auth-service';
export type { NewUser } from './auth-service/user-store';
export type { AccessChange, AccessOutcome, GroupChange } from './auth-service/access-admin';
export { INCLUDE_PERMISSIONS, USER_INCLUDE_HEADER } from './core/user-include';
export { UserSerializer } from './serializers/user-serializer';
export type { UserJson } from './serializers/user-serializer';
export type { ExchangeRequest } from './auth-service/social-exchange';

// A client-service.
export { createClientService } from './services/client-service';
export type { ClientService, ClientServiceOptions } from './services/client-service';
export { CLIENT_OPTIONS, resolveClientSettings } from './client-service/client-settings';
export type { ClientSettings, ClientSettingsInput } from './client-service/client-settings';
export type { VerificationMode } from './client-service/verification-mode';
export { ClientUserSerializer } from './serializers/client-user-serializer';
export type { NestedData, StandardField } from './serializers/client-user-serializer';

// Koa middleware factories, for a Koa app the team already has.
export { easyJwtClient } from './services/easyjwt-client';
export type { EasyJwtClient } from './services/easyjwt-client';
export { easyJwtAuthService } from './services/easyjwt-auth-service';
export type { EasyJwtAuthService } from './services/easyjwt-auth-service';
export type { EasyJwtKoa } from './http/embedding';
export { accessClaimsOf } from './http/access-claims';

// Guards, as decorators and as plain Koa middleware, and the principal they check.
export { AuthUser, JwtLoginRequired, JwtPermRequired, JwtRequireThat, JwtStaffRequired } from './decorators/jwt-guards';
export { requireLogin, requirePermission, requireStaff, requireThat, principalOf } from './http/guards';
export { readBearerToken } from './http/bearer';
export { hasPermission } from './core/principal';
export type { Principal } from './core/principal';

// Tokens and their claims.
export { unverifiedClaims } from './core/tokens';
export { KeyRing } from './core/key-ring';
export type { KeyResolver, SigningKey, TokenKeys, VerificationKey } from './core/key-ring';
export type { Claims, IssuedToken, TokenType } from './core/tokens';
export { ClaimRegistry } from './core/claims';
export type { ClaimBuilder, ClaimContext, ClaimUser, UserPayload } from './core/claims';
export { systemClock } from './core/clock';
export {
  CommonPasswordValidator,
  MinimumLengthValidator,
  NumericPasswordValidator,
  UserAttributeSimilarityValidator,
  validatorsFromSettings,
} from './core/password-validators';
export type { PasswordUser, PasswordValidator } from './core/password-validators';
export { MAX_PASSWORD_LENGTH, PasswordRules } from './core/password-rules';
export type { Clock } from './core/clock';

// Storage: the entities (for a DataSource of your own), the token registry's extension points.
export {
  clientEntities,
  Device,
  entities,
  ExternalIdentity,
  Group,
  LocalUser,
  Permission,
  RevocationRecord,
  Session,
  Token,
  TokenUserConnection,
  User,
} from './entities';
export type { RevocationKind } from './entities/revocation';
export { RevocationList } from './revocation/revocation-list';
export type { FeedPage, RevocationEntry } from './revocation/revocation-list';
export { createDataSource, openDatabase } from './db/data-source';
export type { Registration, RegistrationContext, RegistrationStep } from './registry/pipeline';
export { archiveExpiredTokens } from './registry/archiver';
export type { ArchiveOptions, ArchiveResult } from './registry/archiver';

// Settings.
export { OPTIONS, resolveSettings } from './settings';
export type {
  Settings,
  SettingsInput,
  Algorithm,
  DeliveryMode,
  OidcProvider,
  OidcProviderInput,
  PasswordValidatorConfig,
  RateLimit,
  UserAttribute,
} from './settings';

// Events.
export { EventBus } from './events';
export type { AuthServiceEvents, ClientServiceEvents, CsrfRejectedEvent, ExpiryReason, Listener, RegistryEvents, TokenLifecycleEvents } from './events';
export type { RequestInfo } from './core/request-info';

// Errors.
export * from './errors';
