// Our easyjwt-cookie client-service next to a stand-in of django-easyjwt 1.1's cookie-mode client
// on Debian's Django 3.2 (test/interop/django/peer_client_urls.py): the csrftoken cookie each
// sets, whether each accepts the other's tokens, the same refusals, and the same logout cookie.
import { expect } from 'chai';
import { maskSecret, secretOf } from '../../src/delivery/django-csrf';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { call, startAuthService, TEST_KEY } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { startClientService } from '../support/client-service';
import { parseSetCookie } from '../support/cookie-jar';
import type { DjangoPeer } from '../support/django';
import { requireDjango, startDjangoCookieClient } from '../support/django';

/** A cookie's attributes as a browser keeps them: Django quotes an empty value, we leave it empty. */
const cookieOf = (response: TestResponse, name: string) => {
  const line = response.headers.getSetCookie().find((candidate) => candidate.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(response.headers.getSetCookie())}`);
  const cookie = parseSetCookie(line);
  return { ...cookie, value: cookie.value === '""' ? '' : cookie.value };
};
const withoutValue = ({ value: _value, ...attributes }: ReturnType<typeof cookieOf>) => attributes;

describe("easyjwt-cookie next to a Django stand-in of easyjwt 1.1's cookie-mode client-service", function () {
  this.timeout(60000);
  requireDjango();
  let django: DjangoPeer;
  let auth: TestAuthService;
  let ours: TestClientService;
  before(async () => {
    django = await startDjangoCookieClient();
    auth = await startAuthService('sqlite');
    // Secure off: Django's CSRF_COOKIE_SECURE and easyjwt's AUTH_COOKIE_SECURE default to off.
    ours = await startClientService('sqlite', {
      REMOTE_AUTH_SERVICE_URL: auth.url,
      SIGNING_KEY: TEST_KEY,
      DELIVERY_MODE: 'easyjwt-cookie',
      COOKIE_SECURE: false,
    });
  });
  after(async () => {
    await ours?.close();
    await auth?.close();
    await django?.stop();
  });

  const both = async (send: (base: string) => Promise<TestResponse>) => ({ django: await send(django.url), ours: await send(ours.url) });
  const refresh = (base: string, headers: Record<string, string>) =>
    call(`${base}/auth/token/refresh/`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });
  const tokenOf = async (base: string) => cookieOf(await call(`${base}/auth/csrf/`), 'csrftoken').value;

  it('answers GET /auth/csrf/ alike and sets csrftoken with the attributes Django gives it', async () => {
    const answers = await both((base) => call(`${base}/auth/csrf/`));
    for (const answer of Object.values(answers)) expect([answer.status, answer.body]).to.deep.equal([200, { detail: 'CSRF cookie set.' }]);
    const [theirs, mine] = [cookieOf(answers.django, 'csrftoken'), cookieOf(answers.ours, 'csrftoken')];
    expect(withoutValue(mine)).to.deep.equal(withoutValue(theirs));
    expect(mine).to.deep.include({ path: '/', maxAge: 31449600, httpOnly: false, sameSite: 'Lax' });
    expect(theirs.value).to.match(/^[a-zA-Z0-9]{64}$/);
    expect(mine.value).to.match(/^[a-zA-Z0-9]{64}$/);
  }).timeout(10000);

  it("accepts the other's csrftoken, as it is, re-masked or as the bare secret; each then answers a missing refresh cookie alike", async () => {
    const tokens = { django: await tokenOf(django.url), ours: await tokenOf(ours.url) };
    for (const [maker, token] of Object.entries(tokens)) {
      const secret = secretOf(token)!;
      for (const [cookie, header] of [
        [token, token],
        [token, maskSecret(secret, 'q'.repeat(32))],
        [secret, secret],
        [token, secret],
      ]) {
        const answers = await both((base) => refresh(base, { Cookie: `csrftoken=${cookie}`, 'X-CSRFToken': header }));
        const seen = `a ${maker} token, cookie ${cookie.length} and header ${header.length} characters`;
        expect([answers.django.status, answers.django.body], seen).to.deep.equal([401, { detail: 'No refresh token provided.' }]);
        expect([answers.ours.status, answers.ours.text, answers.ours.headers.get('www-authenticate')], seen).to.deep.equal([
          answers.django.status,
          answers.django.text,
          answers.django.headers.get('www-authenticate'),
        ]);
      }
    }
  });

  it('refuses the same requests with 403: no header, a wrong one, a malformed one, no cookie (Django with its HTML page, ours with JSON)', async () => {
    const token = await tokenOf(django.url);
    const wrong = maskSecret('Z'.repeat(32), 'a'.repeat(32));
    const cases: [string, Record<string, string>, string][] = [
      ['no header', { Cookie: `csrftoken=${token}` }, 'CSRF Failed: CSRF token missing or incorrect.'],
      ['another secret', { Cookie: `csrftoken=${token}`, 'X-CSRFToken': wrong }, 'CSRF Failed: CSRF token missing or incorrect.'],
      ['a malformed header', { Cookie: `csrftoken=${token}`, 'X-CSRFToken': `${token.slice(1)}-` }, 'CSRF Failed: CSRF token missing or incorrect.'],
      ['no cookie', { 'X-CSRFToken': token }, 'CSRF Failed: CSRF cookie not set.'],
    ];
    for (const [name, headers, detail] of cases) {
      const answers = await both((base) => refresh(base, { ...headers, Cookie: `${headers.Cookie ?? ''}; refresh_token=r1` }));
      expect([answers.django.status, answers.ours.status], name).to.deep.equal([403, 403]);
      expect(answers.django.headers.get('content-type'), name).to.match(/^text\/html/);
      expect(answers.ours.body, name).to.deep.equal({ detail });
    }
  });

  it('logs out alike: 200 {"detail":"Logged out."} and refresh_token deleted on / (HttpOnly added on ours)', async () => {
    const answers = await both(async (base) => {
      const token = await tokenOf(base);
      return call(`${base}/auth/token/logout/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Cookie: `csrftoken=${token}`, 'X-CSRFToken': token },
        body: '{}',
      });
    });
    expect([answers.ours.status, answers.ours.text]).to.deep.equal([answers.django.status, answers.django.text]);
    expect(answers.ours.text).to.equal('{"detail":"Logged out."}');
    const [theirs, mine] = [cookieOf(answers.django, 'refresh_token'), cookieOf(answers.ours, 'refresh_token')];
    expect({ ...mine, httpOnly: false }).to.deep.equal(theirs);
    expect(mine).to.deep.include({ value: '', path: '/', maxAge: 0, httpOnly: true, sameSite: 'Lax' });
  });
});
