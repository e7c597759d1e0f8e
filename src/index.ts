// koa-easyjwt's public API: the auth-service and client-service factories, the token core, guards
// and decorators, entities, serializers, settings and errors.
export { createAuthService } from './auth-service/create-auth-service';
export type { AuthService, AuthServiceOptions } from './auth-service/create-auth-service';
export type { AuthServiceParts } from './auth-service/parts';
export { TokenIssuer } from './auth-service/token-issuer';
export { UserStore, normalizeEmail } from './auth-service/user-store';
export type { NewUser } from './auth-service/user-store';
export { LocalAuthenticator } from './auth-service/local-authenticator';

export { createClientService } from './client-service/create-client-service';
export type { ClientService, ClientServiceOptions } from './client-service/create-client-service';
export { CLIENT_OPTIONS, resolveClientSettings } from './client-service/client-settings';
export type { ClientSettings, ClientSettingsInput } from './client-service/client-settings';
export { AuthServiceClient } from './client-service/upstream';
export { UserSync } from './client-service/user-sync';
export { ClientUserSerializer } from './serializers/client-user-serializer';
export type { NestedData, StandardField } from './serializers/client-user-serializer';

export { FrozenClock, systemClock } from './core/clock';
export type { Clock } from './core/clock';
export { loadKeys } from './core/keys';
export type { TokenKeys } from './core/keys';
export { TokenCodec, newJti } from './core/tokens';
export type { Claims, IssuedToken, TokenType, TokenSettings } from './core/tokens';
export { PasswordHasher, passwordDigest } from './core/passwords';
export { passwordProblems } from './core/password-rules';
export { hasPermission } from './core/principal';
export type { Principal } from './core/principal';

export { AuthUser, JwtLoginRequired, JwtPermRequired, JwtRequireThat, JwtStaffRequired } from './decorators/jwt-guards';
export { requireLogin, requirePermission, requireStaff, requireThat, principalOf } from './http/guards';
export { readBearerToken } from './http/bearer';
export type { RequestAuthenticator } from './http/authenticator';

export { clientEntities, entities, Group, LocalUser, Permission, Token, TokenUserConnection, User } from './entities';
export { AUTH_SCHEMA, CLIENT_SCHEMA, createDataSource, dataSourceOptions, openDatabase } from './db/data-source';
export type { Schema } from './db/data-source';
export { TokenRegistry } from './registry/token-registry';
export { UserSerializer } from './serializers/user-serializer';
export type { UserJson } from './serializers/user-serializer';

export { OPTIONS, resolveSettings, parseDuration } from './settings';
export type { Settings, SettingsInput, Algorithm } from './settings';
export * from './errors';
export { createLogger } from './logger';
export { EventBus } from './events';
export type { AuthServiceEvents, ClientServiceEvents, Listener } from './events';
