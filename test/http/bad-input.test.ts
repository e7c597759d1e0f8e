// Bad requests of every kind: never a 500, always DRF-shaped JSON, and nothing written to the registry.
import { expect } from 'chai';
import { request } from 'node:http';
import { connect } from 'node:net';
import { Token, TokenUserConnection } from '../../src/entities';
import type { SettingsInput } from '../../src/settings';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

/** Sends raw bytes over a socket and reads everything until the server closes it. */
function rawExchange(url: string, bytes: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk)); // a string: setEncoding above
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: rest.join('\r\n\r\n') });
    });
  });
}

/** Sends `chunks` through node:http, which (unlike fetch) adds no Content-Type of its own. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; chunks?: string[] },
): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk)); // a string: setEncoding above
      res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
    });
    // The server may answer 413 and close before every chunk is written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

forEachDialect((dialect) => {
  let auth: TestAuthService;
  let tokensBefore: number;

  const start = async (overrides: SettingsInput = {}) => {
    auth = await startAuthService(dialect, overrides);
    await auth.createUser({ email: 'user@test.com' });
    await auth.login('user@test.com');
    tokensBefore = await auth.service.dataSource.manager.count(Token);
  };
  afterEach(async () => {
    // Whatever was sent, nothing was recorded, and the service still answers normally.
    expect(await auth.service.dataSource.manager.count(Token)).to.equal(tokensBefore);
    expect(await auth.service.dataSource.manager.count(TokenUserConnection)).to.equal(tokensBefore);
    expect((await auth.post('/auth/token/verify/', { token: 'x' })).status).to.equal(401);
    await auth.close();
  });

  const postRaw = (path: string, body: string, contentType = 'application/json') => auth.post(path, body, { 'Content-Type': contentType });
  const expectJson = (response: TestResponse, status: number, body?: object) => {
    expect(response.status).to.equal(status);
    expect(response.headers.get('content-type')).to.equal('application/json');
    if (body) expect(response.text).to.equal(JSON.stringify(body));
  };

  describe('bad request bodies', () => {
    beforeEach(async () => start());

    it('answers malformed JSON with 400 "JSON parse error - <reason>" at every POST endpoint', async () => {
      for (const path of ['/auth/token/', '/auth/token/refresh/', '/auth/token/verify/', '/auth/token/blacklist/', '/auth/password-change/']) {
        const response = await postRaw(path, '{"email": "user@test.com", "password":');
        expectJson(response, 400);
        expect(Object.keys(response.body)).to.deep.equal(['detail']);
        expect(response.body.detail).to.match(/^JSON parse error - \S/);
      }
    });

    it('answers a JSON array with non_field_errors as DRF does', async () => {
      const response = await postRaw('/auth/token/', '[{"email":"user@test.com","password":"user-pass"}]');
      expectJson(response, 400, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    });

    it('answers a bare JSON scalar or null with 400 and a DRF body', async () => {
      for (const body of ['42', '"user@test.com"', 'null', 'true']) {
        const response = await postRaw('/auth/token/', body);
        expectJson(response, 400);
        expect(response.body).to.satisfy(
          (parsed: Record<string, unknown>) =>
            (typeof parsed.detail === 'string' && parsed.detail.startsWith('JSON parse error - ')) || Array.isArray(parsed.non_field_errors),
        );
      }
    });

    it('answers objects and lists where strings belong with "Not a valid string."', async () => {
      const response = await auth.post('/auth/token/', { email: {}, password: [] });
      expectJson(response, 400, { email: ['Not a valid string.'], password: ['Not a valid string.'] });
      const booleans = await auth.post('/auth/token/', { email: true, password: false });
      expectJson(booleans, 400, { email: ['Not a valid string.'], password: ['Not a valid string.'] });
    });

    it('answers null fields with "This field may not be null."', async () => {
      const response = await auth.post('/auth/token/', { email: null, password: null });
      expectJson(response, 400, { email: ['This field may not be null.'], password: ['This field may not be null.'] });
    });

    it('takes numbers as their text, as a DRF CharField does, and so simply fails the login', async () => {
      const response = await auth.post('/auth/token/', { email: 12345, password: 67890 });
      expectJson(response, 401, { detail: 'No active account found with the given credentials' });
    });

    it('reads an empty body, or one without a Content-Type, as no data, as DRF does', async () => {
      const required = { email: ['This field is required.'], password: ['This field is required.'] };
      const empty = await send(`${auth.url}/auth/token/`, { headers: { 'Content-Length': '0' } });
      expect([empty.status, empty.type, empty.body]).to.deep.equal([400, 'application/json', JSON.stringify(required)]);
      const emptyJson = await postRaw('/auth/token/', '');
      expectJson(emptyJson, 400, required);
      const untyped = await send(`${auth.url}/auth/token/`, { chunks: ['{"email":"user@test.com","password":"user-pass"}'] });
      expect([untyped.status, untyped.type, untyped.body]).to.deep.equal([400, 'application/json', JSON.stringify(required)]);
    });

    it('answers a text/plain body with 415', async () => {
      const response = await postRaw('/auth/token/', '{"email":"user@test.com","password":"user-pass"}', 'text/plain');
      expectJson(response, 415, { detail: 'Unsupported media type "text/plain" in request.' });
    });

    it('answers a body over the default BODY_LIMIT with 413', async () => {
      const response = await auth.post('/auth/token/', { email: 'user@test.com', password: 'x'.repeat(70000) });
      expectJson(response, 413, { detail: 'Request body exceeds the limit of 65536 bytes.', code: 'payload_too_large' });
    });

    it('answers a chunked body that grows over the limit with 413 as well', async () => {
      const chunks = ['{"email":"user@test.com","password":"', ...Array.from({ length: 20 }, () => 'x'.repeat(4096)), '"}'];
      const response = await send(`${auth.url}/auth/token/`, {
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        chunks,
      });
      expect(response.status).to.equal(413);
      expect(response.type).to.equal('application/json');
      expect(JSON.parse(response.body)).to.deep.equal({ detail: 'Request body exceeds the limit of 65536 bytes.', code: 'payload_too_large' });
    });

    it('answers a 10 KB garbage token at verify with 401 invalid', async () => {
      const response = await auth.post('/auth/token/verify/', { token: 'e'.repeat(10240) });
      expectJson(response, 401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
      const dotted = await auth.post('/auth/token/verify/', { token: `${'a'.repeat(4000)}.${'b'.repeat(4000)}.${'c'.repeat(2000)}` });
      expectJson(dotted, 401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
    });

    it('answers a 10 KB garbage Bearer token with the 401 envelope', async () => {
      const response = await auth.get('/auth/user/', { Authorization: `Bearer ${'e'.repeat(10240)}` });
      expect(response.status).to.equal(401);
      expect(response.body.code).to.equal('token_not_valid');
    });

    it('answers a login far longer than any column with 401, not a database error', async () => {
      const response = await auth.post('/auth/token/', { email: `${'a'.repeat(1000)}@test.com`, password: 'user-pass' });
      expectJson(response, 401, { detail: 'No active account found with the given credentials' });
      const unicode = await auth.post('/auth/token/', { email: 'üsér@tést.com\u0000', password: 'pässwörd 🔑' });
      expectJson(unicode, 401, { detail: 'No active account found with the given credentials' });
    });
  });

  describe('bad request bodies with a small BODY_LIMIT', () => {
    beforeEach(async () => start({ BODY_LIMIT: 1024 }));

    it('answers a JSON body over 1024 bytes with 413 naming the limit', async () => {
      const response = await auth.post('/auth/token/', { email: 'user@test.com', password: 'x'.repeat(2000) });
      expectJson(response, 413, { detail: 'Request body exceeds the limit of 1024 bytes.', code: 'payload_too_large' });
    });

    it('answers a form body over 1024 bytes with 413 too', async () => {
      const response = await postRaw('/auth/token/', `email=user%40test.com&password=${'x'.repeat(2000)}`, 'application/x-www-form-urlencoded');
      expectJson(response, 413, { detail: 'Request body exceeds the limit of 1024 bytes.', code: 'payload_too_large' });
    });

    it('still handles a body under the limit', async () => {
      const response = await auth.post('/auth/token/', { email: 'user@test.com', password: 'x'.repeat(900) });
      expectJson(response, 401);
    });
  });

  describe('bad paths, methods and requests', () => {
    beforeEach(async () => start());

    it('answers an unknown path with 404 "Not found." for any method', async () => {
      expectJson(await auth.get('/nowhere/'), 404, { detail: 'Not found.' });
      expectJson(await auth.get('/auth/nowhere/'), 404, { detail: 'Not found.' });
      expectJson(await auth.post('/auth/nowhere/', {}), 404, { detail: 'Not found.' });
    });

    it('answers other methods on the token endpoints with 405 naming the method', async () => {
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        const response = await fetch(`${auth.url}/auth/token/refresh/`, { method });
        expect(response.status).to.equal(405);
        expect(response.headers.get('content-type')).to.equal('application/json');
        expect(await response.json()).to.deep.equal({ detail: `Method "${method}" not allowed.` });
      }
    });

    it('answers a 20 KB header with 431 and a JSON body', async () => {
      const response = await rawExchange(
        auth.url,
        `GET /auth/user/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`,
      );
      expect(response.status).to.equal(431);
      expect(response.headers).to.match(/\r\nContent-Type: application\/json\r\n/i);
      expect(JSON.parse(response.body)).to.have.property('detail').that.is.a('string');
    });

    it('answers a 20 KB Authorization header with 431 as well', async () => {
      const response = await rawExchange(
        auth.url,
        `GET /auth/user/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${'a'.repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`,
      );
      expect(response.status).to.equal(431);
      expect(JSON.parse(response.body)).to.have.property('detail');
    });

    it('answers a malformed request line with 400 and a JSON body', async () => {
      const response = await rawExchange(auth.url, 'THIS IS NOT HTTP\r\n\r\n');
      expect(response.status).to.equal(400);
      expect(response.headers).to.match(/\r\nContent-Type: application\/json\r\n/i);
      expect(JSON.parse(response.body)).to.have.property('detail').that.is.a('string');
    });
  });
});
