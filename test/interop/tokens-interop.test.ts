// Our tokens are the peers' tokens: checked against PyJWT (what simplejwt signs with) and jose, both ways.
import { expect } from 'chai';
import { jwtVerify } from 'jose';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService, TEST_KEY } from '../support/auth-service';
import { pyjwtDecode, pyjwtEncode, pyjwtUnavailableReason, simplejwtToken } from '../support/interop-pyjwt';

const SIMPLEJWT_ORDER = ['token_type', 'exp', 'iat', 'jti', 'user_id'];
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Skips the calling suite, visibly, when Debian's PyJWT is not there. */
function requirePyJwt(): void {
  before(async function () {
    const reason = await pyjwtUnavailableReason();
    if (reason) {
      console.warn(`    skipping PyJWT interop tests: ${reason}`);
      this.skip();
    }
  });
}

describe('token interoperability', function () {
  this.timeout(30000);
  let auth: TestAuthService;
  let userId: number;
  let pair: { refresh: string; access: string };

  before(async () => {
    auth = await startAuthService('sqlite');
    userId = await auth.createUser({ email: 'interop@test.com' });
    pair = await auth.login('interop@test.com');
  });
  after(async () => auth?.close());

  describe('tokens we issue, read by jose', () => {
    it('verify as HS256 with the signing key and carry the simplejwt claims', async () => {
      const key = new TextEncoder().encode(TEST_KEY);
      for (const [token, type] of [
        [pair.access, 'access'],
        [pair.refresh, 'refresh'],
      ] as const) {
        const { payload, protectedHeader } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        expect(protectedHeader).to.deep.equal({ alg: 'HS256', typ: 'JWT' });
        expect(Object.keys(payload)).to.deep.equal(SIMPLEJWT_ORDER);
        expect(payload).to.include({ token_type: type, user_id: userId });
      }
    });

    it('are refused by jose under another key and under another algorithm', async () => {
      const other = new TextEncoder().encode('some-other-key-that-is-32-bytes-or-more');
      let failures = 0;
      await jwtVerify(pair.access, other, { algorithms: ['HS256'] }).catch(() => failures++);
      await jwtVerify(pair.access, new TextEncoder().encode(TEST_KEY), { algorithms: ['HS512'] }).catch(() => failures++);
      expect(failures).to.equal(2);
    });
  });

  describe('with PyJWT, as simplejwt uses it', () => {
    requirePyJwt();

    it('PyJWT verifies our pair with algorithms=["HS256"] and sees the claims in simplejwt order', async () => {
      for (const token of [pair.access, pair.refresh]) {
        const decoded = await pyjwtDecode(token, TEST_KEY, ['HS256']);
        if (!decoded.ok) throw new Error(decoded.error);
        expect(JSON.parse(decoded.headerJson)).to.deep.equal({ alg: 'HS256', typ: 'JWT' });
        const claims = JSON.parse(decoded.claimsJson);
        expect(Object.keys(claims)).to.deep.equal(SIMPLEJWT_ORDER);
        expect(claims).to.deep.equal(payloadOf(token));
        expect(claims.user_id).to.equal(userId);
        expect(claims.jti).to.match(/^[0-9a-f]{32}$/);
      }
    });

    it('PyJWT refuses our token under another key or another allowed algorithm', async () => {
      const wrongKey = await pyjwtDecode(pair.access, 'some-other-key-that-is-32-bytes-or-more', ['HS256']);
      expect(wrongKey.ok).to.equal(false);
      expect(wrongKey.ok ? '' : wrongKey.error).to.match(/InvalidSignatureError/);
      const wrongAlg = await pyjwtDecode(pair.access, TEST_KEY, ['HS512']);
      expect(wrongAlg.ok ? '' : wrongAlg.error).to.match(/InvalidAlgorithmError/);
    });

    it('our tokens are byte for byte what PyJWT encodes from the same claims and key', async () => {
      for (const token of [pair.access, pair.refresh]) {
        expect(await pyjwtEncode(payloadOf(token), TEST_KEY, 'HS256')).to.equal(token);
      }
    });

    it('PyJWT verifies an access token we minted at refresh, with the refresh iat', async () => {
      const refreshed = await auth.post('/auth/token/refresh/', { refresh: pair.refresh });
      expect(refreshed.status).to.equal(200);
      const decoded = await pyjwtDecode(refreshed.body.access, TEST_KEY);
      if (!decoded.ok) throw new Error(decoded.error);
      const claims = JSON.parse(decoded.claimsJson);
      expect(Object.keys(claims)).to.deep.equal(SIMPLEJWT_ORDER);
      expect(claims).to.include({ token_type: 'access', iat: payloadOf(pair.refresh).iat, user_id: userId });
    });

    it('a simplejwt access token made by PyJWT authenticates GET /auth/user/', async () => {
      const access = await simplejwtToken({ type: 'access', userId, key: TEST_KEY });
      const me = await auth.get('/auth/user/', bearer(access));
      expect(me.status, me.text).to.equal(200);
      expect(me.body).to.include({ id: userId, email: 'interop@test.com', is_active: true });
    });

    it('a simplejwt refresh token made by PyJWT refreshes, and the new access token works', async () => {
      const refresh = await simplejwtToken({ type: 'refresh', userId, key: TEST_KEY });
      const refreshed = await auth.post('/auth/token/refresh/', { refresh });
      expect(refreshed.status, refreshed.text).to.equal(200);
      expect(Object.keys(refreshed.body)).to.deep.equal(['access']);
      expect(payloadOf(refreshed.body.access)).to.include({ iat: payloadOf(refresh).iat, user_id: userId });
      expect((await auth.get('/auth/user/', bearer(refreshed.body.access))).status).to.equal(200);
      expect((await auth.post('/auth/token/verify/', { token: refresh })).body).to.deep.equal({});
    });

    it('accepts user_id as a string "N", as simplejwt >= 5.5.1 writes it, at the user and refresh endpoints', async () => {
      const access = await simplejwtToken({ type: 'access', userId: String(userId), key: TEST_KEY });
      expect(payloadOf(access).user_id).to.equal(String(userId));
      const me = await auth.get('/auth/user/', bearer(access));
      expect(me.status, me.text).to.equal(200);
      expect(me.body.id).to.equal(userId);
      const refresh = await simplejwtToken({ type: 'refresh', userId: String(userId), key: TEST_KEY });
      const refreshed = await auth.post('/auth/token/refresh/', { refresh });
      expect(refreshed.status, refreshed.text).to.equal(200);
      expect(payloadOf(refreshed.body.access).user_id).to.equal(String(userId)); // copied as given, like simplejwt
    });

    it('refuses PyJWT tokens signed with another key, or HS512 with ours', async () => {
      const wrongKey = await simplejwtToken({ type: 'access', userId, key: 'some-other-key-that-is-32-bytes-or-more' });
      const hs512 = await simplejwtToken({ type: 'access', userId, key: TEST_KEY, algorithm: 'HS512' });
      for (const token of [wrongKey, hs512]) {
        const me = await auth.get('/auth/user/', bearer(token));
        expect(me.status).to.equal(401);
        expect(me.body.messages).to.deep.equal([{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }]);
      }
      const refresh = await simplejwtToken({ type: 'refresh', userId, key: TEST_KEY, algorithm: 'HS512' });
      const refused = await auth.post('/auth/token/refresh/', { refresh });
      expect(refused.status).to.equal(401);
      expect(refused.body).to.deep.equal({ detail: 'Token is invalid or expired', code: 'token_not_valid' });
    });

    it('refuses an expired PyJWT token and a PyJWT refresh token used as Bearer', async () => {
      const expired = await simplejwtToken({ type: 'access', userId, key: TEST_KEY, lifetime: -1 });
      expect((await auth.get('/auth/user/', bearer(expired))).body.messages[0].message).to.equal('Token is invalid or expired');
      const refresh = await simplejwtToken({ type: 'refresh', userId, key: TEST_KEY });
      expect((await auth.get('/auth/user/', bearer(refresh))).body.messages[0].message).to.equal('Token has wrong type');
    });
  });

  describe('with USER_ID_CLAIM_TYPE "string"', () => {
    requirePyJwt();
    let stringAuth: TestAuthService;
    before(async () => {
      stringAuth = await startAuthService('sqlite', { USER_ID_CLAIM_TYPE: 'string' });
      await stringAuth.createUser({ email: 'string-id@test.com' });
    });
    after(async () => stringAuth?.close());

    it('issues user_id as a JSON string that PyJWT reads as one', async () => {
      const { access } = await stringAuth.login('string-id@test.com');
      const decoded = await pyjwtDecode(access, TEST_KEY);
      if (!decoded.ok) throw new Error(decoded.error);
      const claims = JSON.parse(decoded.claimsJson);
      expect(Object.keys(claims)).to.deep.equal(SIMPLEJWT_ORDER);
      expect(claims.user_id).to.be.a('string').and.match(/^\d+$/);
      expect((await stringAuth.get('/auth/user/', bearer(access))).body.email).to.equal('string-id@test.com');
    });
  });
});
