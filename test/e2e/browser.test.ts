// The demo page in a real browser: headless Chromium (Debian's package, driven by playwright-core)
// opens examples/spa/ on the demo client-service in two-cookies mode, logs in, shows the user from
// the payload cookie, calls a protected API with the CSRF header, refreshes once the access token
// has expired, and logs out; the cookies' flags are checked as the browser stored them. Then the
// page signs in at a real OpenID Connect provider (oidc-provider on loopback) with the
// authorization code and PKCE, and trades the id token for the service's cookies.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { Demo } from '../../scripts/demo';
import { startDemo } from '../../scripts/demo';
import { ExternalIdentity, User } from '../../src/entities';
import { scratchDir } from '../support/cli';
import type { TestProvider } from '../support/oidc-provider';
import { startProvider } from '../support/oidc-provider';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying to reach Google's services, which
// this closed network refuses, over and over.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Seconds an access token lives in this test: short, so the page has to refresh. */
const ACCESS_LIFETIME = 3;

/** Installs Debian's chromium when it is missing; false (the test is skipped) where apt cannot. */
function ensureChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (!existsSync('/usr/bin/apt-get')) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300000 });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', env, timeout: 600000 });
  return existsSync(CHROMIUM);
}

describe('the demo page in headless Chromium (two-cookies mode)', function () {
  this.timeout(120000);
  let demo: Demo;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let app: string;

  before(async function () {
    this.timeout(900000);
    if (!ensureChromium()) {
      console.warn(`    ${CHROMIUM} is missing and apt-get is not available to install it: the browser test cannot run here`);
      this.skip();
    }
    demo = await startDemo(
      { DEMO_AUTH_PORT: '0', DEMO_CLIENT_PORT: '0', DEMO_ACCESS_TOKEN_LIFETIME: String(ACCESS_LIFETIME), EASYJWT_LOG_LEVEL: 'silent' },
      scratchDir(),
    );
    expect(demo.app).to.equal('/app/');
    app = `${demo.clientListening.url}/app/`;
    profile = mkdtempSync(join(tmpdir(), 'easyjwt-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    await demo?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Every cookie the browser holds, whatever its path. */
  const allCookies = () => context.cookies();
  const cookieNamed = async (name: string) => (await allCookies()).filter((cookie) => cookie.name === name);
  const text = (selector: string) => page.locator(selector).innerText();

  it('shows the login form to a visitor without a session', async () => {
    await page.goto(app);
    await page.locator('#login-form').waitFor({ state: 'visible' });
    expect(await page.locator('#session').isHidden()).to.equal(true);
  });

  it('logs in and shows the user from the payload cookie', async () => {
    await page.fill('#email', 'user@test.com');
    await page.fill('#password', 'user-pass');
    await page.click('#login');
    await page.locator('#session').waitFor({ state: 'visible' });
    expect(await text('#who')).to.equal('user@test.com');
    expect(await text('#expires')).to.match(/^\d s$/);
    // What the page's scripts can see: the payload and CSRF cookies, never a token.
    const visible = await page.evaluate(() => document.cookie);
    expect(visible).to.contain('easyjwt_payload=').and.contain('easyjwt_csrf=');
    expect(visible).to.not.contain('easyjwt_access=').and.not.contain('easyjwt_refresh=');
  });

  it('stores the cookies with the flags the mode promises', async () => {
    const [access] = await cookieNamed('easyjwt_access');
    expect(access).to.include({ httpOnly: true, secure: false, sameSite: 'Lax', path: '/' });
    const [payload] = await cookieNamed('easyjwt_payload');
    expect(payload).to.include({ httpOnly: false, secure: false, sameSite: 'Lax', path: '/' });
    const [csrf] = await cookieNamed('easyjwt_csrf');
    expect(csrf).to.include({ httpOnly: false, secure: false, sameSite: 'Lax', path: '/' });
    const refresh = await context.cookies([`${demo.clientListening.url}/auth/token/refresh/`, `${demo.clientListening.url}/auth/logout/`]);
    const refreshCookies = refresh.filter((cookie) => cookie.name === 'easyjwt_refresh');
    expect(refreshCookies.map((cookie) => cookie.path).sort()).to.deep.equal(['/auth/logout', '/auth/token/refresh']);
    for (const cookie of refreshCookies) expect(cookie).to.include({ httpOnly: true, secure: false, sameSite: 'Lax' });
    // Not sent to the page or the API: the refresh cookie is for its two endpoints only.
    expect((await context.cookies(app)).map((cookie) => cookie.name)).to.not.include('easyjwt_refresh');
  });

  it('calls the protected API with the CSRF header; without it the browser is refused', async () => {
    await page.click('#call-api');
    await page.waitForFunction(() => document.getElementById('api-result')?.textContent === 'success');
    const forged = await page.evaluate(async () => {
      const response = await fetch('/api/test/', { method: 'POST', credentials: 'same-origin' });
      return { status: response.status, body: await response.json() };
    });
    expect(forged).to.deep.equal({ status: 403, body: { detail: 'CSRF Failed: CSRF token missing.', code: 'csrf_missing' } });
  });

  it('refreshes once the access token has expired, and the call succeeds', async () => {
    // The access and payload cookies expire with the token; the session (CSRF, refresh) does not.
    const deadline = Date.now() + (ACCESS_LIFETIME + 5) * 1000;
    while ((await cookieNamed('easyjwt_access')).length > 0) {
      if (Date.now() > deadline) throw new Error('the access cookie did not expire');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await page.evaluate(() => (document.getElementById('api-result')!.textContent = ''));
    await page.click('#call-api');
    await page.waitForFunction(() => document.getElementById('api-result')?.textContent === 'success');
    expect(await text('#log')).to.contain('access token refreshed');
    expect(await cookieNamed('easyjwt_access')).to.have.length(1);
    expect(await text('#who')).to.equal('user@test.com');
  });

  it('logs out: the session cookies are gone and the API refuses the browser', async () => {
    await page.click('#logout');
    await page.locator('#login-form').waitFor({ state: 'visible' });
    const left = (await allCookies()).map((cookie) => cookie.name);
    expect(left).to.deep.equal([]);
    const status = await page.evaluate(async () => (await fetch('/api/test/', { credentials: 'same-origin' })).status);
    expect(status).to.equal(401);
  });
});

describe('the demo page signs in with an identity provider in headless Chromium', function () {
  this.timeout(120000);
  let provider: TestProvider;
  let demo: Demo;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let app: string;

  before(async function () {
    this.timeout(900000);
    if (!ensureChromium()) this.skip();
    // The page's URL on any loopback port is the client's redirect URI (a native client's, RFC 8252).
    provider = await startProvider(
      { pat: { email: 'pat@test.com', email_verified: true, given_name: 'Pat', family_name: 'Provider' } },
      { browserPage: 'http://127.0.0.1/app/' },
    );
    const providers = [{ name: 'test-idp', issuer: provider.issuer, client_id: 'easyjwt-spa', create_users: true }];
    demo = await startDemo(
      { DEMO_AUTH_PORT: '0', DEMO_CLIENT_PORT: '0', EASYJWT_LOG_LEVEL: 'silent', EASYJWT_OIDC_PROVIDERS: JSON.stringify(providers) },
      scratchDir(),
    );
    app = `${demo.clientListening.url}/app/`;
    profile = mkdtempSync(join(tmpdir(), 'easyjwt-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    await demo?.stop();
    await provider?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("signs in at the provider with PKCE, exchanges the id token and shows the provider's user", async () => {
    await page.goto(app);
    await page.locator('#provider-form').waitFor({ state: 'visible' });
    await page.fill('#issuer', provider.issuer);
    await page.fill('#client-id', 'easyjwt-spa');
    await page.click('#provider-login');
    // The provider's own pages: its development login form, then its consent form.
    for (let step = 0; step < 2; step++) {
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      const before = page.url();
      if (step === 0) {
        await page.fill('input[name="login"]', 'pat');
        await page.fill('input[name="password"]', 'any password: the development form checks none');
      }
      await page.click('button[type="submit"]');
      await page.waitForURL((url) => url.toString() !== before);
    }
    await page.waitForURL((url) => url.toString() === app);
    await page.locator('#session').waitFor({ state: 'visible' });
    expect(await page.locator('#who').innerText()).to.equal('pat@test.com');
    expect(await page.locator('#log').innerText()).to.contain(`signed in through ${provider.issuer} as pat@test.com`);
    // The code is gone from the address bar; the cookies are the mode's, as after a password login.
    expect(new URL(page.url()).search).to.equal('');
    const names = (await context.cookies(app)).map((cookie) => cookie.name);
    expect(names).to.include.members(['easyjwt_access', 'easyjwt_payload', 'easyjwt_csrf']);
    const manager = demo.auth.dataSource.manager;
    const user = await manager.findOneByOrFail(User, { email: 'pat@test.com' });
    expect([user.firstName, user.lastName]).to.deep.equal(['Pat', 'Provider']);
    expect(await manager.findBy(ExternalIdentity, { provider: 'test-idp', subject: 'pat' })).to.have.length(1);
  });

  it('calls the protected API with the session the provider sign-in made', async () => {
    await page.click('#call-api');
    await page.waitForFunction(() => document.getElementById('api-result')?.textContent === 'success');
  });
});
