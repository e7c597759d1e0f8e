// The bench's peer servers answer the protected route as the client-service does: 200 and
// "success" with the auth-service's token, 401 without a token or with a forged one, so their
// figures are for the same work.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SERVER_KINDS } from '../../bench/server';

describe('bench: peer servers', () => {
  const key = randomBytes(36).toString('base64');

  for (const kind of ['fastify-jwt', 'koa-jwt']) {
    it(`${kind} answers the auth-service's token 200 "success" and refuses none or a forged one with 401`, async () => {
      // Signed here, not when the file loads: a full run reaches this test minutes after loading.
      // The claims an auth-service access token carries, signed with its HS256 key.
      const token = jwt.sign({ token_type: 'access', user_id: 1, jti: 'a'.repeat(32) }, key, { algorithm: 'HS256', expiresIn: 300 });
      const forged = jwt.sign({ token_type: 'access', user_id: 1 }, `${key}x`, { algorithm: 'HS256', expiresIn: 300 });
      const server = await SERVER_KINDS[kind]({ BENCH_SIGNING_KEY: key });
      try {
        const ok = await fetch(`${server.url}/api/test/`, { headers: { Authorization: `Bearer ${token}` } });
        expect(ok.status).to.equal(200);
        expect(ok.headers.get('content-type')).to.match(/^application\/json/);
        expect(await ok.text()).to.equal('"success"');
        expect((await fetch(`${server.url}/api/test/`)).status).to.equal(401);
        expect((await fetch(`${server.url}/api/test/`, { headers: { Authorization: `Bearer ${forged}` } })).status).to.equal(401);
      } finally {
        await server.stop();
      }
    });
  }

  it('refuses to start a peer without the auth-service key', async () => {
    let failure: unknown = null;
    await SERVER_KINDS['fastify-jwt']({}).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.contain('BENCH_SIGNING_KEY');
  });

  it("koa-headers answers the demo route's body with the services' security headers and no-store", async () => {
    const server = await SERVER_KINDS['koa-headers']({});
    try {
      const answer = await fetch(`${server.url}/api/test/`);
      expect(await answer.text()).to.equal('"success"');
      expect(answer.headers.get('content-type')).to.equal('application/json');
      expect(answer.headers.get('cache-control')).to.equal('no-store');
      expect(answer.headers.get('x-frame-options')).to.equal('DENY');
      expect(answer.headers.get('content-security-policy')).to.equal("default-src 'none';frame-ancestors 'none'");
    } finally {
      await server.stop();
    }
  });
});
