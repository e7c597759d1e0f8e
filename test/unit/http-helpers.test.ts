// The small request-path helpers: Bearer header parsing, DRF-style string fields, the TTL cache.
import { expect } from 'chai';
import { FrozenClock } from '../../src/core/clock';
import { TtlCache } from '../../src/core/ttl-cache';
import { AuthenticationFailed, ValidationFailed } from '../../src/errors';
import { readBearerToken } from '../../src/http/bearer';
import { requireStrings } from '../../src/http/fields';

const BEARER = ['Bearer'];

/** The error `run` throws, checked to be an instance of `kind`. */
function thrown<T>(run: () => unknown, kind: abstract new (...args: never[]) => T): T {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(kind);
    return error as T;
  }
  throw new Error('expected an error');
}

describe('readBearerToken', () => {
  it('answers the token of "Bearer <token>"', () => {
    expect(readBearerToken('Bearer abc.def.ghi', BEARER)).to.equal('abc.def.ghi');
    expect(readBearerToken('  Bearer   abc.def.ghi  ', BEARER)).to.equal('abc.def.ghi');
  });

  it('answers null, leaving the request unauthenticated, for no header or another scheme', () => {
    expect(readBearerToken(undefined, BEARER)).to.equal(null);
    expect(readBearerToken('', BEARER)).to.equal(null);
    expect(readBearerToken('Basic Zm9vOmJhcg==', BEARER)).to.equal(null);
    expect(readBearerToken('JWT abc.def.ghi', BEARER)).to.equal(null);
  });

  it('compares the scheme case-sensitively, as simplejwt does: "bearer" is another scheme', () => {
    expect(readBearerToken('bearer abc.def.ghi', BEARER)).to.equal(null);
    expect(readBearerToken('BEARER abc.def.ghi', BEARER)).to.equal(null);
  });

  it('accepts every configured scheme', () => {
    expect(readBearerToken('JWT abc', ['Bearer', 'JWT'])).to.equal('abc');
  });

  it('refuses "Bearer" alone and "Bearer a b" with bad_authorization_header', () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b']) {
      const error = thrown(() => readBearerToken(header, BEARER), AuthenticationFailed);
      expect(error.status).to.equal(401);
      expect(error.body()).to.deep.equal({
        detail: 'Authorization header must contain two space-delimited values',
        code: 'bad_authorization_header',
      });
      expect(error.headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer realm="api"' });
    }
  });
});

describe('requireStrings', () => {
  const LOGIN = { email: {}, password: { trim: false } };
  const problems = (body: unknown, fields: Record<string, { trim?: boolean }> = LOGIN) => thrown(() => requireStrings(body, fields), ValidationFailed).body();

  it('answers the fields, trimming all but those marked trim: false', () => {
    expect(requireStrings({ email: '  a@test.com ', password: ' secret ', extra: 1 }, LOGIN)).to.deep.equal({
      email: 'a@test.com',
      password: ' secret ',
    });
  });

  it("accepts numbers as their text, as DRF's CharField does", () => {
    expect(requireStrings({ email: 5, password: 12.5 }, LOGIN)).to.deep.equal({ email: '5', password: '12.5' });
  });

  it("reports every missing field at once in DRF's words, with status 400", () => {
    const error = thrown(() => requireStrings({}, LOGIN), ValidationFailed);
    expect(error.status).to.equal(400);
    expect(error.body()).to.deep.equal({ email: ['This field is required.'], password: ['This field is required.'] });
  });

  it('says blank, null and not-a-string per field', () => {
    expect(problems({ email: '', password: 'x' })).to.deep.equal({ email: ['This field may not be blank.'] });
    expect(problems({ email: '   ', password: 'x' })).to.deep.equal({ email: ['This field may not be blank.'] });
    expect(problems({ email: 'a@test.com', password: '' })).to.deep.equal({ password: ['This field may not be blank.'] });
    expect(problems({ email: null, password: 'x' })).to.deep.equal({ email: ['This field may not be null.'] });
    expect(problems({ email: ['a'], password: { p: 1 } })).to.deep.equal({
      email: ['Not a valid string.'],
      password: ['Not a valid string.'],
    });
    expect(problems({ email: true, password: 'x' })).to.deep.equal({ email: ['Not a valid string.'] });
  });

  it('treats whitespace as a value for a field that is not trimmed, as DRF does with trim_whitespace=False', () => {
    expect(requireStrings({ email: 'a@test.com', password: '   ' }, LOGIN).password).to.equal('   ');
  });

  it('refuses a list body with non_field_errors', () => {
    expect(problems([{ email: 'a', password: 'b' }])).to.deep.equal({
      non_field_errors: ['Invalid data. Expected a dictionary, but got list.'],
    });
  });

  it('refuses a body that is not an object at all', () => {
    for (const body of [null, 'text', 5]) {
      expect(problems(body)).to.have.all.keys('non_field_errors');
    }
  });
});

describe('TtlCache', () => {
  it('keeps a value until its TTL has passed, and not a moment longer', () => {
    const clock = new FrozenClock();
    const cache = new TtlCache<number, string>(5, 10, clock);
    cache.set(1, 'one');
    clock.advance(4.999);
    expect(cache.get(1)).to.equal('one');
    clock.advance(0.001);
    expect(cache.get(1)).to.equal(undefined);
    expect(cache.size).to.equal(0);
  });

  it('restarts the TTL when a key is set again', () => {
    const clock = new FrozenClock();
    const cache = new TtlCache<number, string>(5, 10, clock);
    cache.set(1, 'old');
    clock.advance(4);
    cache.set(1, 'new');
    clock.advance(4);
    expect(cache.get(1)).to.equal('new');
  });

  it('holds at most maxEntries values, dropping the oldest insertion first', () => {
    const cache = new TtlCache<number, number>(60, 3, new FrozenClock());
    for (const n of [1, 2, 3, 4]) cache.set(n, n * 10);
    expect(cache.size).to.equal(3);
    expect(cache.get(1)).to.equal(undefined);
    expect([cache.get(2), cache.get(3), cache.get(4)]).to.deep.equal([20, 30, 40]);
    cache.set(3, 33); // replacing a key makes it the newest without evicting anything
    expect(cache.size).to.equal(3);
    cache.set(5, 50);
    expect(cache.get(2)).to.equal(undefined);
    expect(cache.get(3)).to.equal(33);
  });

  it('forgets a deleted key', () => {
    const cache = new TtlCache<string, number>(60, 3, new FrozenClock());
    cache.set('a', 1);
    cache.delete('a');
    expect(cache.get('a')).to.equal(undefined);
  });

  it('keeps nothing when the TTL is 0', () => {
    const cache = new TtlCache<number, string>(0, 10, new FrozenClock());
    cache.set(1, 'one');
    expect(cache.get(1)).to.equal(undefined);
    expect(cache.size).to.equal(0);
  });
});
