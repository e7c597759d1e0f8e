// The easyjwt-cookie delivery mode's pieces without sockets: Django's CSRF token format and
// comparison, the cookie names the mode defaults to, and where its settings are refused.
import { expect } from 'chai';
import { resolveClientSettings } from '../../src/client-service/client-settings';
import { djangoTokensMatch, isDjangoCsrfToken, maskSecret, newDjangoCsrfToken, secretOf } from '../../src/delivery/django-csrf';
import { CsrfFailed, NoRefreshCookie } from '../../src/errors';
import { resolveSettings, withDeliveryDefaults } from '../../src/settings';

const AUTH_URL = 'http://127.0.0.1:8000';
const SECRET = 'abcdefghijklmnopqrstuvwxyzABCDEF';

describe("Django's CSRF token, as the easyjwt-cookie mode makes and compares it", () => {
  it('makes 64 characters of [a-zA-Z0-9], a fresh secret under a fresh mask each time', () => {
    const token = newDjangoCsrfToken();
    expect(token).to.match(/^[a-zA-Z0-9]{64}$/);
    expect(newDjangoCsrfToken()).to.not.equal(token);
    expect(secretOf(newDjangoCsrfToken())).to.not.equal(secretOf(token));
  });

  it('masks by adding alphabet indexes modulo 62 and unmasks back to the secret', () => {
    // 'a' is index 0, so a mask of 'a's leaves the secret as it is; '9' (61) shifts 'b' (1) round to 'a'.
    expect(maskSecret(SECRET, 'a'.repeat(32))).to.equal('a'.repeat(32) + SECRET);
    expect(maskSecret('b'.repeat(32), '9'.repeat(32))).to.equal('9'.repeat(32) + 'a'.repeat(32));
    const mask = 'Zq3xYp8LmN0aBcDeFgHiJkLmNoPqRsTu';
    expect(secretOf(maskSecret(SECRET, mask))).to.equal(SECRET);
    expect(secretOf(SECRET)).to.equal(SECRET);
  });

  it('matches tokens carrying the same secret, whatever their masks, and nothing malformed', () => {
    const cookie = maskSecret(SECRET, 'M'.repeat(32));
    expect(djangoTokensMatch(cookie, cookie)).to.equal(true);
    expect(djangoTokensMatch(maskSecret(SECRET, '7'.repeat(32)), cookie)).to.equal(true);
    expect(djangoTokensMatch(SECRET, cookie)).to.equal(true);
    expect(djangoTokensMatch(maskSecret(SECRET.replace('a', 'b'), 'M'.repeat(32)), cookie)).to.equal(false);
    for (const bad of ['', cookie.slice(1), `${cookie}x`, `${cookie.slice(0, -1)}-`, 'x'.repeat(48)]) {
      expect(isDjangoCsrfToken(bad), bad).to.equal(false);
      expect(djangoTokensMatch(bad, cookie), bad).to.equal(false);
      expect(djangoTokensMatch(cookie, bad), bad).to.equal(false);
    }
  });

  it('words its refusals as DRF on Django 3.2 does: {detail} alone', () => {
    expect(new CsrfFailed('csrf_mismatch', 'CSRF token missing or incorrect.', false).body()).to.deep.equal({
      detail: 'CSRF Failed: CSRF token missing or incorrect.',
    });
    expect(new CsrfFailed('csrf_mismatch', 'CSRF token incorrect.').body()).to.deep.equal({
      detail: 'CSRF Failed: CSRF token incorrect.',
      code: 'csrf_mismatch',
    });
    expect(new NoRefreshCookie().body()).to.deep.equal({ detail: 'No refresh token provided.' });
    expect(new NoRefreshCookie().status).to.equal(401);
  });
});

describe('easyjwt-cookie settings', () => {
  it("defaults the cookie names to easyjwt's refresh_token and Django's csrftoken; names given explicitly win", () => {
    const settings = resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: AUTH_URL, DELIVERY_MODE: 'easyjwt-cookie' });
    expect(settings).to.include({
      REFRESH_COOKIE_NAME: 'refresh_token',
      CSRF_COOKIE_NAME: 'csrftoken',
      COOKIE_PATH: '/',
      COOKIE_SECURE: true,
      COOKIE_SAMESITE: 'Lax',
    });
    const named = resolveClientSettings({
      REMOTE_AUTH_SERVICE_URL: AUTH_URL,
      DELIVERY_MODE: 'easyjwt-cookie',
      REFRESH_COOKIE_NAME: 'rt',
      CSRF_COOKIE_NAME: undefined,
    });
    expect(named).to.include({ REFRESH_COOKIE_NAME: 'rt', CSRF_COOKIE_NAME: 'csrftoken' });
    expect(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: AUTH_URL, DELIVERY_MODE: 'refresh-cookie' })).to.include({
      REFRESH_COOKIE_NAME: 'easyjwt_refresh',
      CSRF_COOKIE_NAME: 'easyjwt_csrf',
    });
    const input = { DELIVERY_MODE: 'json' };
    expect(withDeliveryDefaults(input)).to.equal(input);
  });

  it('lets the refresh cookie be __Host- here, where it lives on COOKIE_PATH "/", and nowhere else', () => {
    const host = { REMOTE_AUTH_SERVICE_URL: AUTH_URL, REFRESH_COOKIE_NAME: '__Host-refresh_token', CSRF_COOKIE_NAME: '__Host-csrftoken' };
    expect(resolveClientSettings({ ...host, DELIVERY_MODE: 'easyjwt-cookie' })).to.include({ REFRESH_COOKIE_NAME: '__Host-refresh_token' });
    expect(() => resolveClientSettings({ ...host, DELIVERY_MODE: 'easyjwt-cookie', COOKIE_PATH: '/app' })).to.throw('Invalid setting REFRESH_COOKIE_NAME');
    expect(() => resolveClientSettings({ ...host, DELIVERY_MODE: 'refresh-cookie' })).to.throw('Invalid setting REFRESH_COOKIE_NAME');
  });

  it('is refused on an auth-service, naming the key', () => {
    expect(() => resolveSettings({ SIGNING_KEY: 'k'.repeat(32), DELIVERY_MODE: 'easyjwt-cookie' })).to.throw(
      'Invalid setting DELIVERY_MODE: easyjwt-cookie is a client-service mode, as in django-easyjwt 1.1: use refresh-cookie for an auth-service',
    );
  });
});
