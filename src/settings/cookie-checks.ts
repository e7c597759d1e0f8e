// Cookie settings that each pass their own check but not together: a browser would drop the
// cookies, or one cookie would overwrite another. Both services run these at start-up.
import { SettingsError } from '../errors';
import type { Settings } from './options';

/** The settings the cookie checks read. */
export type CookieSettings = Pick<
  Settings,
  | 'ACCESS_COOKIE_NAME'
  | 'REFRESH_COOKIE_NAME'
  | 'PAYLOAD_COOKIE_NAME'
  | 'CSRF_COOKIE_NAME'
  | 'COOKIE_DOMAIN'
  | 'COOKIE_PATH'
  | 'COOKIE_SECURE'
  | 'COOKIE_SAMESITE'
  | 'DELIVERY_MODE'
>;

/**
 * Refuses cookie settings browsers would reject or that would defeat each other: SameSite=None
 * without Secure, two cookies of one name, and the `__Host-` / `__Secure-` name prefixes without
 * the attributes they promise (the refresh cookie can be `__Host-` only in easyjwt-cookie, the one
 * mode that puts it on COOKIE_PATH rather than the refresh and logout paths).
 */
export function checkCookieSettings(settings: CookieSettings): void {
  if (settings.COOKIE_SAMESITE === 'None' && !settings.COOKIE_SECURE) {
    throw new SettingsError('COOKIE_SAMESITE', 'None requires COOKIE_SECURE (browsers drop SameSite=None cookies that are not Secure)');
  }
  const names = ['ACCESS_COOKIE_NAME', 'REFRESH_COOKIE_NAME', 'PAYLOAD_COOKIE_NAME', 'CSRF_COOKIE_NAME'] as const;
  const seen = new Map<string, string>();
  for (const key of names) {
    const name = settings[key];
    const other = seen.get(name.toLowerCase());
    if (other) throw new SettingsError(key, `names the same cookie as ${other} (${JSON.stringify(name)})`);
    seen.set(name.toLowerCase(), key);
    if (name.startsWith('__Secure-') && !settings.COOKIE_SECURE) throw new SettingsError(key, 'a __Secure- cookie needs COOKIE_SECURE');
    if (name.startsWith('__Host-')) {
      const narrowed = key === 'REFRESH_COOKIE_NAME' && settings.DELIVERY_MODE !== 'easyjwt-cookie';
      const path = narrowed ? 'the refresh and logout paths' : settings.COOKIE_PATH;
      if (!settings.COOKIE_SECURE || settings.COOKIE_DOMAIN !== null || path !== '/') {
        throw new SettingsError(key, `a __Host- cookie needs COOKIE_SECURE, no COOKIE_DOMAIN and the path "/" (this one would get ${path})`);
      }
    }
  }
}
