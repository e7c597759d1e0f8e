// What the token endpoints' logic (obtain, refresh, revocation, accounts) is built from. Each job
// takes the few parts it uses; the auth-service's composition root hands them all the same ones.
import type { DataSource } from 'typeorm';
import type { ClaimRegistry, ClaimUser } from '../core/claims';
import type { Clock } from '../core/clock';
import type { PasswordHasher } from '../core/passwords';
import type { TokenCodec } from '../core/tokens';
import type { User } from '../entities';
import type { AuthServiceEvents, EventBus } from '../events';
import type { Logger } from '../logger';
import type { ExpiryCheck } from '../registry/expiry-check';
import type { RegistrationPipeline } from '../registry/pipeline';
import type { SessionStore } from '../registry/sessions';
import type { TokenRegistry } from '../registry/token-registry';
import type { UserSerializer } from '../serializers/user-serializer';
import type { Settings } from '../settings';
import type { Credentials } from './credentials';
import type { Revocations } from './revocations';
import type { UserStore } from './user-store';

/** Every part a job of the token endpoints may need. */
export interface IssuerParts {
  readonly settings: Settings;
  readonly dataSource: DataSource;
  readonly codec: TokenCodec;
  readonly registry: TokenRegistry;
  /** Records what obtain and refresh issued (see the registration pipeline). */
  readonly pipeline: RegistrationPipeline;
  /** Told of tokens the registry expires, so protected routes refuse them at once. */
  readonly expiry: ExpiryCheck;
  readonly users: UserStore;
  /** Sessions, which a logout ends. */
  readonly sessions: SessionStore;
  /** Records revocations for every client-service and instance (see Revocations). */
  readonly revocations: Revocations;
  readonly credentials: Credentials;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called with a user id whenever that user's tokens or data change. */
  readonly onUserChanged: (userId: number) => void;
  /** Waits `ms`; a parameter so tests with a frozen clock can move it instead. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Custom claims (USER_CLAIMS, USER_PAYLOAD_CLAIM and the application's builders). */
  readonly claims: ClaimRegistry;
  /** Shapes `user` in token answers (TOKEN_RESPONSE_USER) and what claim builders see as `data`. */
  readonly serializer: UserSerializer;
  readonly events: EventBus<AuthServiceEvents>;
}

/** The current time as a Date, from the service's clock. */
export const nowOf = (parts: Pick<IssuerParts, 'clock'>): Date => new Date(parts.clock.now());

/**
 * The user as claim builders and token answers see them: permissions, the serialized JSON, the
 * login. Loads the permissions (one query with their groups).
 */
export async function claimUserOf(parts: Pick<IssuerParts, 'users' | 'serializer' | 'settings'>, user: User): Promise<ClaimUser> {
  const loaded = await parts.users.withPermissions(user.id);
  const full = loaded?.user ?? user;
  return {
    id: full.id,
    isActive: full.isActive,
    isStaff: full.isStaff,
    isSuperuser: full.isSuperuser,
    permissions: loaded?.permissions ?? new Set(),
    data: parts.serializer.serialize(full),
    login: full[parts.settings.LOGIN_FIELD] ?? null,
  };
}
