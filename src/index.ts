// koa-easyjwt's public API: the auth-service and client-service factories, the token core, guards
// and decorators, entities, serializers, settings and errors.
export { createAuthService } from './services/auth-service';
export type { AuthService, AuthServiceOptions } from './services/auth-service';
export type { AuthServiceParts } from './auth-service/parts';
export { TokenIssuer } from './auth-service/token-issuer';
export { UserStore, normalizeEmail } from './auth-service/user-store';
export type { NewUser } from './auth-service/user-store';
export { LocalAuthenticator } from './auth-service/local-authenticator';

export { createClientService } from './services/client-service';
export type { ClientService, ClientServiceOptions } from './services/client-service';
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
export { TokenCodec, newJti, unverifiedClaims } from './core/tokens';
export type { Claims, IssuedToken, TokenType, TokenSettings } from './core/tokens';
export { PasswordHasher, passwordDigest } from './core/passwords';
export { passwordProblems } from './core/password-rules';
export { hasPermission } from './core/principal';
export type { Principal } from './core/principal';

export { AuthUser, JwtLoginRequired, JwtPermRequired, JwtRequireThat, JwtStaffRequired } from './decorators/jwt-guards';
export { requireLogin, requirePermission, requireStaff, requireThat, principalOf } from './http/guards';
export { readBearerToken } from './http/bearer';
export type { RequestAuthenticator } from './http/authenticator';

export { clientEntities, Device, entities, Group, LocalUser, Permission, Session, Token, TokenUserConnection, User } from './entities';
export { AUTH_SCHEMA, CLIENT_SCHEMA, createDataSource, dataSourceOptions, openDatabase } from './db/data-source';
export type { Schema } from './db/data-source';
export { TokenRegistry } from './registry/token-registry';
export type { TokenRecord } from './registry/token-registry';
export { TokenQueries } from './registry/token-queries';
export type { TokenFilter } from './registry/token-queries';
export { connectDevice, connectUser, expireTreeOnRefresh, registerTokens, RegistrationPipeline } from './registry/pipeline';
export type { Registration, RegistrationContext, RegistrationStep } from './registry/pipeline';
export { archiveExpiredTokens } from './registry/archiver';
export type { ArchiveOptions, ArchiveResult } from './registry/archiver';
export { SessionStore } from './registry/sessions';
export type { SessionView } from './registry/sessions';
export { describeDevice } from './registry/devices';
export type { DeviceInfo } from './registry/devices';
export { RegistryActions } from './auth-service/registry-actions';
export { UserSerializer } from './serializers/user-serializer';
export type { UserJson } from './serializers/user-serializer';

export { DELIVERY_MODES, OPTIONS, resolveSettings, parseDuration, reuseDetection } from './settings';
export type { Settings, SettingsInput, Algorithm, DeliveryMode } from './settings';
export * from './errors';
export { createLogger } from './logger';
export { EventBus, maskLogin } from './events';
export type { AuthServiceEvents, ClientServiceEvents, CsrfRejectedEvent, ExpiryReason, Listener, RegistryEvents, TokenLifecycleEvents } from './events';
export { requestInfo } from './core/request-info';
export type { RequestInfo } from './core/request-info';

export { ClaimRegistry, DEFAULT_RESERVED_CLAIMS, reservedClaims, settingsClaimBuilders, userPayload } from './core/claims';
export type { ClaimBuilder, ClaimContext, ClaimUser, UserPayload } from './core/claims';
export { createDelivery } from './delivery/create-delivery';
export type { DeliveredTokens, DeliverySettings, RefreshInput, TokenDelivery } from './delivery/delivery';
export { JsonDelivery } from './delivery/json-delivery';
export { RefreshCookieDelivery } from './delivery/refresh-cookie-delivery';
export { OneCookieDelivery } from './delivery/one-cookie-delivery';
export { TwoCookiesDelivery } from './delivery/two-cookies-delivery';
export { CsrfGuard, isSafeMethod, newCsrfToken } from './delivery/csrf';
export { readCookie, setCookieLine } from './delivery/cookies';
export { principalFromUserClaim } from './client-service/local-verification';
export { createDemoClientService, DEMO_APP_PATH } from './services/demo-client-service';
export { serveStaticFolder } from './http/static-files';
export { easyJwtClient } from './services/easyjwt-client';
export type { EasyJwtClient } from './services/easyjwt-client';
export { easyJwtAuthService } from './services/easyjwt-auth-service';
export type { EasyJwtAuthService } from './services/easyjwt-auth-service';
export type { EasyJwtKoa } from './http/embedding';
export { accessClaimsOf } from './http/access-claims';
