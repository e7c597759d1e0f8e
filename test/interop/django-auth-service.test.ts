// Our auth-service next to a real Django simplejwt auth-service: shared tokens, easyjwt's client protocol, equal errors.
import { expect } from 'chai';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { call, payloadOf, startAuthService, TEST_KEY } from '../support/auth-service';
import type { DjangoPeer } from '../support/django';
import { DEFAULT_PEER_USER, requireDjango, runSystemPython, startDjangoAuthService } from '../support/django';
import { simplejwtToken } from '../support/interop-pyjwt';

const EASYJWT_USER_KEYS = ['id', 'first_name', 'email', 'last_name', 'date_joined', 'last_login', 'is_active', 'is_staff', 'is_superuser'];
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
type Pair = { refresh: string; access: string };

interface ClientStep {
  status: number;
  content_type: string | null;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Python client's JSON, read like test/support's bodies
  body: any;
}
interface ClientSummary {
  verify: ClientStep;
  user: ClientStep | null;
  outcome: 'authenticated' | 'rejected';
  reason: unknown;
}

/** Runs test/interop/django/easyjwt_client.py: easyjwt's verify-then-user round trip, from Python. */
async function easyjwtClient(baseUrl: string, token: string): Promise<ClientSummary> {
  const result = await runSystemPython(['easyjwt_client.py', baseUrl, token]);
  if (result.code !== 0) throw new Error(`easyjwt_client.py failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Status, exact body bytes and the headers easyjwt and RFC 6750 care about. */
const wire = (response: TestResponse) => ({
  status: response.status,
  text: response.text,
  contentType: response.headers.get('content-type'),
  wwwAuthenticate: response.headers.get('www-authenticate'),
});

describe('against a Django simplejwt auth-service (Debian python3-djangorestframework-simplejwt)', function () {
  this.timeout(60000);
  requireDjango();

  let django: DjangoPeer;
  let ours: TestAuthService;
  let djangoPair: Pair;
  let ourPair: Pair;
  let inactiveId: number;
  const tokens: Record<'inactive' | 'unknownUser' | 'expired' | 'wrongKey' | 'algNone' | 'tampered' | 'stringUserId', string> = {} as never;

  before(async () => {
    // Same signing key on both sides, and the same users with the same ids on both fresh databases.
    const inactive = { username: 'gone', email: 'gone@test.com', password: DEFAULT_PEER_USER.password, is_active: false };
    django = await startDjangoAuthService({ signingKey: TEST_KEY, users: [DEFAULT_PEER_USER, inactive] });
    ours = await startAuthService('sqlite', { LOGIN_FIELD: 'username' });
    const ourId = await ours.createUser({ username: django.username, email: 'peer@test.com', password: django.password });
    expect(ourId, 'user ids must match across the two databases').to.equal(django.userId);
    inactiveId = await ours.createUser({ username: 'gone', email: 'gone@test.com', password: django.password, isActive: false });
    expect(inactiveId).to.equal(django.users[1].id);

    const credentials = { username: django.username, password: django.password };
    const fromDjango = await django.post('/auth/token/', credentials);
    expect(fromDjango.status, fromDjango.text).to.equal(200);
    djangoPair = fromDjango.body;
    const fromOurs = await ours.post('/auth/token/', credentials);
    expect(fromOurs.status, fromOurs.text).to.equal(200);
    ourPair = fromOurs.body;

    // Tokens neither service would issue, signed the way simplejwt signs (PyJWT) or forged by hand.
    const [header, payload] = ourPair.access.split('.');
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    Object.assign(tokens, {
      inactive: await simplejwtToken({ type: 'access', userId: inactiveId, key: TEST_KEY }),
      unknownUser: await simplejwtToken({ type: 'access', userId: 99, key: TEST_KEY }),
      expired: await simplejwtToken({ type: 'access', userId: django.userId, key: TEST_KEY, lifetime: -10 }),
      wrongKey: await simplejwtToken({ type: 'access', userId: django.userId, key: 'another-key-that-is-at-least-32-bytes-long' }),
      stringUserId: await simplejwtToken({ type: 'access', userId: String(django.userId), key: TEST_KEY }),
      algNone: `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      tampered: `${header}.${encode({ ...payloadOf(ourPair.access), user_id: inactiveId })}.${ourPair.access.split('.')[2]}`,
    });
  });
  after(async () => {
    await ours?.close();
    await django?.stop();
  });

  describe('tokens issued by Django, presented to our auth-service', () => {
    it('our GET /auth/user/ accepts a Django access token and answers with that user', async () => {
      const response = await ours.get('/auth/user/', bearer(djangoPair.access));
      expect(response.status, response.text).to.equal(200);
      expect(response.body).to.include({ id: django.userId, email: 'peer@test.com', is_active: true });
    });

    it('our verify answers {} to a Django access token and to a Django refresh token', async () => {
      for (const token of [djangoPair.access, djangoPair.refresh]) {
        const response = await ours.post('/auth/token/verify/', { token });
        expect(response.status, response.text).to.equal(200);
        expect(response.text).to.equal('{}');
      }
    });

    it('our refresh turns a Django refresh token into an access token that keeps its iat', async () => {
      const response = await ours.post('/auth/token/refresh/', { refresh: djangoPair.refresh });
      expect(response.status, response.text).to.equal(200);
      expect(Object.keys(response.body)).to.deep.equal(['access']);
      const access = payloadOf(response.body.access);
      expect(access).to.include({ token_type: 'access', user_id: django.userId, iat: payloadOf(djangoPair.refresh).iat });
    });
  });

  it('both accept an access token whose user_id is a string, as simplejwt >= 5.5.1 writes it', async () => {
    for (const peer of [django, ours]) {
      const response = await peer.get('/auth/user/', bearer(tokens.stringUserId));
      expect(response.status, response.text).to.equal(200);
      expect(response.body.id).to.equal(django.userId);
    }
  });

  describe('tokens issued by our auth-service, presented to Django', () => {
    it("Django's JWTAuthentication accepts our access token on /auth/user/", async () => {
      const response = await django.get('/auth/user/', bearer(ourPair.access));
      expect(response.status, response.text).to.equal(200);
      expect(response.body).to.include({ id: django.userId, email: 'peer@test.com', is_active: true });
    });

    it('both services serve the user with the same keys in the same order', async () => {
      const theirs = await django.get('/auth/user/', bearer(ourPair.access));
      const mine = await ours.get('/auth/user/', bearer(ourPair.access));
      expect(Object.keys(theirs.body)).to.deep.equal(EASYJWT_USER_KEYS);
      expect(Object.keys(mine.body)).to.deep.equal(EASYJWT_USER_KEYS);
    });

    it('Django verify answers {} to our access and refresh tokens', async () => {
      for (const token of [ourPair.access, ourPair.refresh]) {
        const response = await django.post('/auth/token/verify/', { token });
        expect(response.status, response.text).to.equal(200);
        expect(response.text).to.equal('{}');
      }
    });

    it('Django refresh turns our refresh token into an access token that ours accepts', async () => {
      const response = await django.post('/auth/token/refresh/', { refresh: ourPair.refresh });
      expect(response.status, response.text).to.equal(200);
      expect(Object.keys(response.body)).to.deep.equal(['access']);
      const user = await ours.get('/auth/user/', bearer(response.body.access));
      expect(user.status, user.text).to.equal(200);
    });
  });

  describe("a Django easyjwt client-service's verify-then-user round trip, against ours", () => {
    it('a valid access token passes both steps, with application/json exactly, and yields the user', async () => {
      const summary = await easyjwtClient(ours.url, ourPair.access);
      expect(summary.verify).to.include({ status: 200, content_type: 'application/json', text: '{}' });
      expect(summary.user).to.include({ status: 200, content_type: 'application/json' });
      expect(Object.keys(summary.user!.body)).to.deep.equal(EASYJWT_USER_KEYS);
      expect(summary.user!.body).to.include({ id: django.userId, email: 'peer@test.com' });
      expect(summary.outcome).to.equal('authenticated');
    });

    it('a refresh token passes verify but is refused with 401 at the user step', async () => {
      const summary = await easyjwtClient(ours.url, ourPair.refresh);
      expect(summary.verify).to.include({ status: 200, content_type: 'application/json' });
      expect(summary.user).to.include({ status: 401, content_type: 'application/json' });
      expect(summary.user!.body).to.deep.equal({
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token has wrong type' }],
      });
      expect(summary.outcome).to.equal('rejected');
    });

    it("an inactive user's token passes verify but is refused at the user step with user_inactive", async () => {
      const token = await simplejwtToken({ type: 'access', userId: inactiveId, key: TEST_KEY });
      const summary = await easyjwtClient(ours.url, token);
      expect(summary.verify.status).to.equal(200);
      expect(summary.user).to.include({ status: 401, content_type: 'application/json' });
      expect(summary.user!.body).to.deep.equal({ detail: 'User is inactive', code: 'user_inactive' });
    });

    it('a bad token stops at verify with 401 token_not_valid', async () => {
      const summary = await easyjwtClient(ours.url, 'not-a-token');
      expect(summary.verify).to.include({ status: 401, content_type: 'application/json' });
      expect(summary.verify.text).to.equal('{"detail":"Token is invalid or expired","code":"token_not_valid"}');
      expect(summary.user).to.equal(null);
      expect(summary.reason).to.equal('Token is invalid or expired');
    });

    it('the round trip ends the same way against the Django peer for each of those tokens', async () => {
      for (const token of [ourPair.access, ourPair.refresh, 'not-a-token']) {
        const [theirs, mine] = await Promise.all([easyjwtClient(django.url, token), easyjwtClient(ours.url, token)]);
        expect({ verify: mine.verify.text, user: mine.user?.status, outcome: mine.outcome }).to.deep.equal({
          verify: theirs.verify.text,
          user: theirs.user?.status,
          outcome: theirs.outcome,
        });
      }
    });
  });

  describe('error answers, byte for byte the same as Django’s', () => {
    // Each case sends the same request to both; tokens come from ours, which Django trusts too.
    const cases: [string, (peer: { post: TestAuthService['post']; get: TestAuthService['get'] }) => Promise<TestResponse>][] = [
      ['wrong password at obtain (401)', (p) => p.post('/auth/token/', { username: 'peer', password: 'wrong-password' })],
      ['unknown user at obtain (401)', (p) => p.post('/auth/token/', { username: 'nobody', password: 'wrong-password' })],
      ['missing fields at obtain (400)', (p) => p.post('/auth/token/', {})],
      ['blank password at obtain (400)', (p) => p.post('/auth/token/', { username: 'peer', password: '' })],
      ['access token sent to refresh (401)', (p) => p.post('/auth/token/refresh/', { refresh: ourPair.access })],
      ['garbage token at verify (401)', (p) => p.post('/auth/token/verify/', { token: 'garbage' })],
      ['garbage token at refresh (401)', (p) => p.post('/auth/token/refresh/', { refresh: 'garbage' })],
      ['protected GET without a header (401)', (p) => p.get('/auth/user/')],
      ['protected GET with another scheme (401)', (p) => p.get('/auth/user/', { Authorization: `Token ${ourPair.access}` })],
      ['protected GET with `Bearer a b` (401)', (p) => p.get('/auth/user/', { Authorization: 'Bearer a b' })],
      ['protected GET with `Bearer` alone (401)', (p) => p.get('/auth/user/', { Authorization: 'Bearer' })],
      ['protected GET with a garbage token (401)', (p) => p.get('/auth/user/', bearer('garbage'))],
      ['protected GET with a refresh token (401)', (p) => p.get('/auth/user/', bearer(ourPair.refresh))],
      ["protected GET with an inactive user's token (401 user_inactive)", (p) => p.get('/auth/user/', bearer(tokens.inactive))],
      ['protected GET for a user that does not exist (401 user_not_found)', (p) => p.get('/auth/user/', bearer(tokens.unknownUser))],
      ['protected GET with an expired token (401)', (p) => p.get('/auth/user/', bearer(tokens.expired))],
      ['verify of an expired token (401)', (p) => p.post('/auth/token/verify/', { token: tokens.expired })],
      ['verify of a token signed with another key (401)', (p) => p.post('/auth/token/verify/', { token: tokens.wrongKey })],
      ['verify of an alg:none token (401)', (p) => p.post('/auth/token/verify/', { token: tokens.algNone })],
      ['verify of a tampered payload (401)', (p) => p.post('/auth/token/verify/', { token: tokens.tampered })],
      ['refresh with an alg:none token (401)', (p) => p.post('/auth/token/refresh/', { refresh: tokens.algNone })],
      ['GET on a token endpoint (405)', (p) => p.get('/auth/token/')],
      ['POST on the user endpoint (405)', (p) => p.post('/auth/user/', {}, bearer(ourPair.access))],
    ];
    for (const [name, send] of cases) {
      it(`${name}: same status, body, Content-Type and WWW-Authenticate`, async () => {
        const theirs = wire(await send(django));
        const mine = wire(await send(ours));
        expect(mine).to.deep.equal(theirs);
        expect(mine.contentType).to.equal('application/json');
      });
    }

    it("DRF's Allow and Vary on successes and errors: the same on both", async () => {
      const cases: [string, (p: { post: TestAuthService['post']; get: TestAuthService['get'] }) => Promise<TestResponse>][] = [
        ['obtain (200)', (p) => p.post('/auth/token/', { username: 'peer', password: django.password })],
        ['obtain, wrong password (401)', (p) => p.post('/auth/token/', { username: 'peer', password: 'wrong-password' })],
        ['obtain, missing fields (400)', (p) => p.post('/auth/token/', {})],
        ['verify (200)', (p) => p.post('/auth/token/verify/', { token: ourPair.access })],
        ['refresh, garbage (401)', (p) => p.post('/auth/token/refresh/', { refresh: 'garbage' })],
        ['user (200)', (p) => p.get('/auth/user/', bearer(ourPair.access))],
        ['user, no header (401)', (p) => p.get('/auth/user/')],
      ];
      for (const [name, send] of cases) {
        const headers = (response: TestResponse) => ({ status: response.status, allow: response.headers.get('allow'), vary: response.headers.get('vary') });
        const theirs = headers(await send(django));
        expect(headers(await send(ours)), name).to.deep.equal(theirs);
        expect(theirs.vary, name).to.equal('Accept');
      }
    });

    it('a method no endpoint serves (PROPFIND, SEARCH, LOCK, DELETE): the same 405, body, Content-Type, Allow and Vary', async () => {
      const cases: [string, string][] = [
        ['PROPFIND', '/auth/token/'],
        ['SEARCH', '/auth/token/refresh/'],
        ['LOCK', '/auth/user/'],
        ['DELETE', '/auth/token/verify/'],
      ];
      for (const [method, path] of cases) {
        const init = { method, headers: bearer(ourPair.access) };
        const [theirs, mine] = await Promise.all([call(django.url + path, init), call(ours.url + path, init)]);
        const headers = (response: TestResponse) => ({ ...wire(response), allow: response.headers.get('allow'), vary: response.headers.get('vary') });
        expect(headers(mine), `${method} ${path}`).to.deep.equal(headers(theirs));
        expect(mine.status).to.equal(405);
      }
    });

    it('malformed JSON: both answer 400 "JSON parse error - <reason>" (the reason is the parser\'s own)', async () => {
      const theirs = await django.post('/auth/token/', '{"username":');
      const mine = await ours.post('/auth/token/', '{"username":');
      for (const response of [theirs, mine]) {
        expect(response.status).to.equal(400);
        expect(Object.keys(response.body)).to.deep.equal(['detail']);
        expect(response.body.detail).to.match(/^JSON parse error - ./);
      }
    });
  });
  describe("sign-up, POST /auth/create-user/, against easyjwt's CreateUserView (test/interop/django/easyjwt_signup/)", () => {
    // A service of its own, so the new users get the same ids on both sides (the peer's sign-up
    // table is its own, empty at the start). Each case sends the same body to both, in order.
    let signUps: TestAuthService;
    before(async () => {
      signUps = await startAuthService('sqlite', { CREATE_USER_ENABLED: true });
    });
    after(async () => signUps?.close());

    const PASSWORD = 'a-good-long-pass';
    const cases: [string, unknown][] = [
      ['every field (201)', { email: 'ann@test.com', password: PASSWORD, first_name: 'Ann', last_name: 'Lee', phone: '+61400000000' }],
      ['email and password only: names "", phone null (201)', { email: 'bob@test.com', password: PASSWORD }],
      ['an email in capitals, stored lower-cased (201)', { email: 'Cat@Test.COM', password: PASSWORD }],
      ['blank names and phone, a number as text (201)', { email: 'dan@test.com', password: PASSWORD, first_name: '', last_name: ' ', phone: 61400000000 }],
      ['an explicit null phone (201)', { email: 'eve@test.com', password: PASSWORD, phone: null }],
      ['is_staff and an id, ignored (201)', { email: 'fay@test.com', password: PASSWORD, is_staff: true, id: 99 }],
      ['a taken email (400)', { email: 'ann@test.com', password: PASSWORD }],
      ['an empty object (400)', {}],
      ['a missing password (400)', { email: 'gus@test.com' }],
      ['a blank email and password (400)', { email: ' ', password: '' }],
      ['a bad email (400)', { email: 'not-an-email', password: PASSWORD }],
      ['a weak password, the email missing (400)', { password: '1234567' }],
      ['a taken email and a weak password (400)', { email: 'ann@test.com', password: '1234567' }],
      [
        'names over 150 and a phone over 15 characters (400)',
        { email: 'hal@test.com', password: PASSWORD, first_name: 'a'.repeat(151), last_name: 'b'.repeat(151), phone: '0'.repeat(16) },
      ],
      ['nulls and values that are not strings (400)', { email: null, password: ['x'], first_name: null, last_name: { a: 1 }, phone: true }],
      ['a NUL character in a name (400)', { email: 'ivy@test.com', password: PASSWORD, first_name: 'A\u0000nn' }],
      ['a list (400)', [{ email: 'jo@test.com', password: PASSWORD }]],
    ];
    for (const [name, body] of cases) {
      it(`${name}: the same status, body, Content-Type, Allow and Vary`, async () => {
        const headers = (response: TestResponse) => ({ ...wire(response), allow: response.headers.get('allow'), vary: response.headers.get('vary') });
        const theirs = headers(await django.post('/auth/create-user/', body));
        const mine = headers(await signUps.post('/auth/create-user/', body));
        expect(mine, django.log().slice(-2000)).to.deep.equal(theirs);
      });
    }
  });
});
