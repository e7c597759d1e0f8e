// Picking the delivery strategy of DELIVERY_MODE, once, when a service is built.
import type { DeliveryMode } from '../settings';
import type { DeliveryParts, TokenDelivery } from './delivery';
import { EasyJwtCookieDelivery } from './easyjwt-cookie-delivery';
import { JsonDelivery } from './json-delivery';
import { OneCookieDelivery } from './one-cookie-delivery';
import { RefreshCookieDelivery } from './refresh-cookie-delivery';
import { TwoCookiesDelivery } from './two-cookies-delivery';

const STRATEGIES: Readonly<Record<DeliveryMode, (parts: DeliveryParts) => TokenDelivery>> = {
  json: () => new JsonDelivery(),
  'refresh-cookie': (parts) => new RefreshCookieDelivery(parts),
  'one-cookie': (parts) => new OneCookieDelivery(parts),
  'two-cookies': (parts) => new TwoCookiesDelivery(parts),
  'easyjwt-cookie': (parts) => new EasyJwtCookieDelivery(parts),
};

/**
 * The strategy for `parts.settings.DELIVERY_MODE`.
 *
 * @example
 *   const delivery = createDelivery({ settings, clock, onCsrfRejected: (event) => events.emit('csrfRejected', event) });
 */
export function createDelivery(parts: DeliveryParts): TokenDelivery {
  return STRATEGIES[parts.settings.DELIVERY_MODE](parts);
}
