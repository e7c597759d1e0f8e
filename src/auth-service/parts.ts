// The parts of a running auth-service, as controllers reach them through the app context.
import type { ClaimRegistry } from '../core/claims';
import type { KeySource } from '../core/key-ring';
import type { TokenCodec } from '../core/tokens';
import type { TokenDelivery } from '../delivery/delivery';
import type { AuthServiceEvents, EventBus } from '../events';
import type { ServiceContext } from '../http/authenticator';
import type { UserSerializer } from '../serializers/user-serializer';
import type { Settings } from '../settings';
import type { RegistrationPipeline } from '../registry/pipeline';
import type { TokenQueries } from '../registry/token-queries';
import type { TokenRegistry } from '../registry/token-registry';
import type { RevocationList } from '../revocation/revocation-list';
import type { LoginThrottle } from '../throttle/login-throttle';
import type { LocalAuthenticator } from './local-authenticator';
import type { RegistryActions } from './registry-actions';
import type { RevocationFeed } from './revocation-feed';
import type { SocialExchange } from './social-exchange';
import type { Revocations } from './revocations';
import type { TokenIssuer } from './token-issuer';
import type { UserStore } from './user-store';

/** Everything an auth-service request handler may need. */
export interface AuthServiceParts extends ServiceContext {
  readonly settings: Settings;
  readonly codec: TokenCodec;
  /** The keys tokens are signed and verified with (settings, or the key store); the JWKS lists them. */
  readonly keys: KeySource;
  readonly issuer: TokenIssuer;
  readonly users: UserStore;
  readonly serializer: UserSerializer;
  readonly authenticator: LocalAuthenticator;
  /** Lifecycle events: subscribe with `service.events.on(name, listener)`. */
  readonly events: EventBus<AuthServiceEvents>;
  /** Where tokens travel: the DELIVERY_MODE strategy. */
  readonly delivery: TokenDelivery;
  /** Every custom claim builder, in the order their claims appear in tokens. */
  readonly claims: ClaimRegistry;
  /** The registration pipeline: add steps with `service.pipeline.add(step)`. */
  readonly pipeline: RegistrationPipeline;
  /** The registry's writes: record, find, expire, revoke. */
  readonly registry: TokenRegistry;
  /** The registry's read-side queries (active, expired, collectTree, ofUser). */
  readonly queries: TokenQueries;
  /** Expire tokens, list and end sessions, logout-all, as the registry endpoints do. */
  readonly registryActions: RegistryActions;
  /** Where revocations are recorded; see also `revoked`, what this instance refuses. */
  readonly revocations: Revocations;
  /** The revocations known to this instance (its own, other instances', through the table or Redis). */
  readonly revoked: RevocationList;
  /** GET /revocations/, or null when there is no feed key (the endpoint is then not mounted). */
  readonly revocationFeed: RevocationFeed | null;
  /** Counts failed logins and password changes per account and address (LOGIN_THROTTLE_*). */
  readonly throttle: LoginThrottle;
  /** Counts sign-ups per address (LOGIN_THROTTLE_PER_IP); null unless CREATE_USER_ENABLED. */
  readonly signUpThrottle: LoginThrottle | null;
  /** Trades identity providers' id tokens for pairs, or null when OIDC_PROVIDERS is empty (no endpoint). */
  readonly socialExchange: SocialExchange | null;
}
