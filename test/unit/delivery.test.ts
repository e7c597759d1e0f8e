// The delivery modes' building blocks without sockets: cookie reading and writing, the constant-time
// CSRF comparison, and the checks of the cookie settings.
import { expect } from 'chai';
import { readCookie, setCookieLine } from '../../src/delivery/cookies';
import { sameSecret } from '../../src/core/constant-time';
import { isSafeMethod, newCsrfToken } from '../../src/delivery/csrf';
import { SettingsError } from '../../src/errors';
import { resolveSettings } from '../../src/settings';
import { resolveClientSettings } from '../../src/client-service/client-settings';

const KEY = 'k'.repeat(32);
const ATTRIBUTES = { COOKIE_DOMAIN: null, COOKIE_SECURE: true, COOKIE_SAMESITE: 'Lax' as const };

describe('delivery building blocks', () => {
  it('reads one cookie from a Cookie header, first one winning, quotes removed', () => {
    expect(readCookie('a=1; easyjwt_csrf=xyz; b=2', 'easyjwt_csrf')).to.equal('xyz');
    expect(readCookie('x=1;y=2', 'y')).to.equal('2');
    expect(readCookie('t=first; t=second', 't')).to.equal('first');
    expect(readCookie('q="quoted"', 'q')).to.equal('quoted');
    expect(readCookie('notmine_a=1; a_b=2', 'a')).to.equal(null);
    expect(readCookie('empty=', 'empty')).to.equal(null);
    expect(readCookie(undefined, 'a')).to.equal(null);
  });

  it('writes Set-Cookie lines with the configured attributes; Max-Age=0 deletes and null makes a session cookie', () => {
    const spec = { name: 'a', path: '/auth/token/refresh', httpOnly: true };
    expect(setCookieLine(spec, 'v', 300, ATTRIBUTES)).to.equal('a=v; Path=/auth/token/refresh; Max-Age=300; HttpOnly; Secure; SameSite=Lax');
    expect(setCookieLine(spec, '', 0, { ...ATTRIBUTES, COOKIE_DOMAIN: 'example.com' })).to.equal(
      'a=; Path=/auth/token/refresh; Domain=example.com; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    );
    expect(setCookieLine({ ...spec, httpOnly: false }, 'v', null, { ...ATTRIBUTES, COOKIE_SECURE: false, COOKIE_SAMESITE: 'Strict' })).to.equal(
      'a=v; Path=/auth/token/refresh; SameSite=Strict',
    );
  });

  it('compares CSRF tokens as equal only when identical, whatever their lengths', () => {
    const token = newCsrfToken();
    expect(token).to.match(/^[\w-]{43}$/);
    expect(newCsrfToken()).to.not.equal(token);
    expect(sameSecret(token, token)).to.equal(true);
    expect(sameSecret(token, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).to.equal(false);
    expect(sameSecret(token, token + 'x')).to.equal(false);
    expect(sameSecret('', token)).to.equal(false);
  });

  it('lets only GET, HEAD, OPTIONS and TRACE through without a CSRF token', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'TRACE'].every(isSafeMethod)).to.equal(true);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].some(isSafeMethod)).to.equal(false);
  });
});

describe('delivery settings', () => {
  it('defaults to json delivery, Secure Lax cookies and no trusted origins', () => {
    const settings = resolveSettings({ SIGNING_KEY: KEY });
    expect(settings).to.include({
      DELIVERY_MODE: 'json',
      COOKIE_SECURE: true,
      COOKIE_SAMESITE: 'Lax',
      COOKIE_PATH: '/',
      TOKEN_RESPONSE_USER: false,
      USER_PAYLOAD_CLAIM: null,
    });
    expect(settings.CSRF_TRUSTED_ORIGINS).to.deep.equal([]);
  });

  it('refuses an unknown mode, naming the key', () => {
    // @ts-expect-error: the type of DELIVERY_MODE refuses it as well
    expect(() => resolveSettings({ SIGNING_KEY: KEY, DELIVERY_MODE: 'cookies' })).to.throw(
      SettingsError,
      'Invalid setting DELIVERY_MODE: must be one of json, refresh-cookie, one-cookie, two-cookies',
    );
  });

  it('normalises trusted origins and refuses ones with a path', () => {
    expect(resolveSettings({ SIGNING_KEY: KEY, CSRF_TRUSTED_ORIGINS: 'https://App.Example.com, http://127.0.0.1:8001' }).CSRF_TRUSTED_ORIGINS).to.deep.equal([
      'https://app.example.com',
      'http://127.0.0.1:8001',
    ]);
    expect(() => resolveSettings({ SIGNING_KEY: KEY, CSRF_TRUSTED_ORIGINS: ['https://app.example.com/login'] })).to.throw(
      SettingsError,
      'CSRF_TRUSTED_ORIGINS',
    );
  });

  it('refuses SameSite=None without Secure, two cookies of one name, and __Host- names without their attributes', () => {
    expect(() => resolveSettings({ SIGNING_KEY: KEY, COOKIE_SAMESITE: 'None', COOKIE_SECURE: false })).to.throw(SettingsError, 'COOKIE_SAMESITE');
    expect(() => resolveSettings({ SIGNING_KEY: KEY, PAYLOAD_COOKIE_NAME: 'easyjwt_access' })).to.throw(
      SettingsError,
      'Invalid setting PAYLOAD_COOKIE_NAME: names the same cookie as ACCESS_COOKIE_NAME',
    );
    expect(() => resolveSettings({ SIGNING_KEY: KEY, REFRESH_COOKIE_NAME: '__Host-refresh' })).to.throw(SettingsError, 'REFRESH_COOKIE_NAME');
    expect(() => resolveSettings({ SIGNING_KEY: KEY, ACCESS_COOKIE_NAME: '__Host-access', COOKIE_DOMAIN: 'example.com' })).to.throw(
      SettingsError,
      'ACCESS_COOKIE_NAME',
    );
    expect(resolveSettings({ SIGNING_KEY: KEY, ACCESS_COOKIE_NAME: '__Host-access' }).ACCESS_COOKIE_NAME).to.equal('__Host-access');
    expect(() => resolveSettings({ SIGNING_KEY: KEY, CSRF_COOKIE_NAME: 'bad name' })).to.throw(SettingsError, 'CSRF_COOKIE_NAME');
  });

  it('gives client-services the same delivery settings and checks', () => {
    const client = resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:8000', DELIVERY_MODE: 'two-cookies', COOKIE_SECURE: 'false' });
    expect(client).to.include({ DELIVERY_MODE: 'two-cookies', COOKIE_SECURE: false, USER_FROM_CLAIM: null });
    expect(() => resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:8000', COOKIE_SAMESITE: 'None', COOKIE_SECURE: false })).to.throw(
      SettingsError,
      'COOKIE_SAMESITE',
    );
  });
});
