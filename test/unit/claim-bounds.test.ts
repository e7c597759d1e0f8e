// The bounds on a verified token's registered claims, value by value, at their edges.
import { expect } from 'chai';
import { claimProblem, MAX_CLAIM_TIME } from '../../src/core/claim-bounds';

const NAMES = { TOKEN_TYPE_CLAIM: 'token_type', JTI_CLAIM: 'jti', USER_ID_CLAIM: 'user_id', USER_ID_FIELD: 'id' };
const good = { token_type: 'access', exp: 1_800_000_000, iat: 1_799_999_700, jti: 'a'.repeat(32), user_id: 7 };
const problem = (change: Record<string, unknown>, names: Record<string, string> = {}) => claimProblem({ ...good, ...change }, { ...NAMES, ...names });

describe('claim bounds', () => {
  it('pass the claims simplejwt writes, with a numeric or digit-string user id, and absent optional claims', () => {
    expect(problem({})).to.equal(null);
    expect(problem({ user_id: '7' })).to.equal(null);
    expect(problem({ iat: undefined, nbf: undefined, user_id: undefined })).to.equal(null);
    expect(problem({ nbf: 1_799_999_700, exp: MAX_CLAIM_TIME - 1, user_id: Number.MAX_SAFE_INTEGER })).to.equal(null);
    expect(problem({ user_id: 'ann@example.com' }, { USER_ID_FIELD: 'email' })).to.equal(null);
  });

  for (const [name, change] of Object.entries({
    'exp at year 3000': { exp: MAX_CLAIM_TIME },
    'exp of 0': { exp: 0 },
    'exp missing': { exp: undefined },
    'exp as a string': { exp: '1800000000' },
    'iat negative': { iat: -1 },
    'iat as null': { iat: null },
    'nbf as a string': { nbf: 'x' },
    'nbf in year 9999': { nbf: 253402300799 },
    'jti of 33 characters': { jti: 'a'.repeat(33) },
    'jti with an accent': { jti: 'é' },
    'jti as a number': { jti: 1 },
    'token type as an object': { token_type: { a: 1 } },
    'token type of 17 characters': { token_type: 'x'.repeat(17) },
    'user id 0': { user_id: 0 },
    'user id with a leading zero': { user_id: '07' },
    'user id of 16 digits': { user_id: '1234567890123456' },
    'user id beyond safe integers': { user_id: 2 ** 53 },
    'user id fractional': { user_id: 1.5 },
    'user id as a boolean': { user_id: true },
  })) {
    it(`refuse ${name}`, () => expect(problem(change)).to.be.a('string'));
  }

  it('bound a string user id at 254 characters', () => {
    expect(problem({ user_id: 'x'.repeat(254) }, { USER_ID_FIELD: 'username' })).to.equal(null);
    expect(problem({ user_id: 'x'.repeat(255) }, { USER_ID_FIELD: 'username' })).to.be.a('string');
    expect(problem({ user_id: 7 }, { USER_ID_FIELD: 'email' })).to.be.a('string');
  });
});
