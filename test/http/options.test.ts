// OPTIONS on an endpoint answers JSON metadata, as DRF does, never an empty text body.
import { expect } from 'chai';
import type { TestAuthService } from '../support/auth-service';
import { call, startAuthService } from '../support/auth-service';

describe('OPTIONS', () => {
  let auth: TestAuthService;
  beforeEach(async () => (auth = await startAuthService('sqlite')));
  afterEach(async () => auth.close());

  it('describes what a token endpoint renders and parses, as application/json', async () => {
    const response = await call(`${auth.url}/auth/token/`, { method: 'OPTIONS' });
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('application/json');
    expect(response.body).to.deep.equal({
      renders: ['application/json'],
      parses: ['application/json', 'application/x-www-form-urlencoded'],
    });
    expect(response.headers.get('allow')).to.contain('POST');
  });
});
