// The parts of a running client-service, as its controllers reach them through the app context.
import type { Clock } from '../core/clock';
import type { TokenDelivery } from '../delivery/delivery';
import type { ClientServiceEvents, EventBus } from '../events';
import type { Logger } from '../logger';
import type { ServiceContext } from '../http/authenticator';
import type { LoginThrottle } from '../throttle/login-throttle';
import type { ClientSettings } from './client-settings';
import type { RevocationReach } from './revocation-reach';
import type { AuthServiceClient } from './upstream';
import type { UserSync } from './user-sync';

/** Everything a client-service request handler may need. */
export interface ClientServiceParts extends ServiceContext {
  readonly settings: ClientSettings;
  readonly upstream: AuthServiceClient;
  readonly users: UserSync;
  readonly logger: Logger;
  /** Lifecycle events: subscribe with `service.events.on(name, listener)`. */
  readonly events: EventBus<ClientServiceEvents>;
  /** Where tokens travel between this service and its browsers: the DELIVERY_MODE strategy. */
  readonly delivery: TokenDelivery;
  readonly clock: Clock;
  /** The revocations this service refuses and what keeps them current (the feed, Redis). */
  readonly revocations: RevocationReach;
  /** This service's own count of failed logins per account and caller address (LOGIN_THROTTLE_*). */
  readonly throttle: LoginThrottle;
}
