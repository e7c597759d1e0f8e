// Defaults that follow DELIVERY_MODE. `easyjwt-cookie` reproduces django-easyjwt 1.1's cookie
// mode, whose single-page apps look for the cookies under easyjwt's and Django's names, so that
// mode changes two defaults; a name given explicitly still wins.

/** The cookie names easyjwt-cookie defaults to: easyjwt's AUTH_COOKIE_NAME and Django's CSRF_COOKIE_NAME. */
export const EASYJWT_COOKIE_NAMES = Object.freeze({ REFRESH_COOKIE_NAME: 'refresh_token', CSRF_COOKIE_NAME: 'csrftoken' });

/**
 * `input` with the defaults its DELIVERY_MODE implies filled in where it gives no value; the
 * input itself when the mode implies none. Runs before validation, on raw input.
 *
 * @example
 *   withDeliveryDefaults({ DELIVERY_MODE: 'easyjwt-cookie' });
 *   // { DELIVERY_MODE: 'easyjwt-cookie', REFRESH_COOKIE_NAME: 'refresh_token', CSRF_COOKIE_NAME: 'csrftoken' }
 */
export function withDeliveryDefaults<T extends object>(input: T): T {
  const given = input as Readonly<Record<string, unknown>>;
  if (given.DELIVERY_MODE !== 'easyjwt-cookie') return input;
  const filled: Record<string, unknown> = { ...given };
  for (const [key, value] of Object.entries(EASYJWT_COOKIE_NAMES)) if (filled[key] === undefined) filled[key] = value;
  return filled as T;
}
