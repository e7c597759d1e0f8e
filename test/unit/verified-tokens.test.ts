// The memo of verified tokens and the Bearer reader built on it: a repeated token skips the
// signature check and the header parsing, and nothing the full path refuses gets through.
import { expect } from 'chai';
import type { Context } from 'koa';
import { FrozenClock } from '../../src/core/clock';
import { loadKeys } from '../../src/core/keys';
import { TokenCodec } from '../../src/core/tokens';
import { VerifiedTokens } from '../../src/core/verified-tokens';
import { AuthenticationFailed, InvalidToken } from '../../src/errors';
import { BearerVerifier } from '../../src/http/bearer-verifier';
import { resolveSettings } from '../../src/settings';

const KEY = 'unit-test-signing-key-of-at-least-32-bytes';
const settings = resolveSettings({ SIGNING_KEY: KEY });

function setup(maxEntries = 100) {
  const clock = new FrozenClock();
  const codec = new TokenCodec(settings, loadKeys('HS256', KEY, null), clock);
  let checks = 0;
  // Counts real signature checks, so a test can tell a memo hit from a verification.
  const counting = Object.create(codec, { verify: { value: (...args: Parameters<TokenCodec['verify']>) => (checks++, codec.verify(...args)) } });
  const memo = new VerifiedTokens(counting, clock, 0, maxEntries, 'token_type');
  return { clock, codec, memo, checks: () => checks };
}

/** A token whose payload differs from `token`'s but which keeps its signature. */
function withOtherPayload(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  claims.user_id = 999;
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

describe('VerifiedTokens', () => {
  it('checks a signature once, then answers the same claims from memory', () => {
    const { codec, memo, checks } = setup();
    const token = codec.pairFor(5).access.token;
    expect(memo.recall(token, 'access')).to.equal(null);
    const claims = memo.verify(token, 'access');
    expect(memo.verify(token, 'access')).to.equal(claims);
    expect(memo.recall(token, 'access')).to.equal(claims);
    expect(checks()).to.equal(1);
  });

  it('does not answer a remembered token as another type', () => {
    const { codec, memo } = setup();
    const token = codec.pairFor(5).access.token;
    memo.verify(token, 'access');
    expect(memo.recall(token, 'refresh')).to.equal(null);
    expect(() => memo.verify(token, 'refresh')).to.throw(InvalidToken, 'Token has wrong type');
  });

  it('stops answering a remembered token once it expires', () => {
    const { clock, codec, memo } = setup();
    const token = codec.pairFor(5).access.token;
    memo.verify(token, 'access');
    clock.advance(299);
    expect(memo.recall(token, 'access')).to.not.equal(null);
    clock.advance(1);
    expect(memo.recall(token, 'access')).to.equal(null);
    expect(() => memo.verify(token, 'access')).to.throw(InvalidToken, 'Token is invalid or expired');
  });

  it('refuses a token that shares a remembered signature but not its payload', () => {
    const { codec, memo } = setup();
    const token = codec.pairFor(5).access.token;
    memo.verify(token, 'access');
    const forged = withOtherPayload(token);
    expect(memo.recall(forged, 'access')).to.equal(null);
    expect(() => memo.verify(forged, 'access')).to.throw(InvalidToken);
    // The genuine token is still known.
    expect(memo.recall(token, 'access')).to.not.equal(null);
  });

  it('never remembers a failure', () => {
    const { memo, checks } = setup();
    expect(() => memo.verify('not.a.token', 'access')).to.throw(InvalidToken);
    expect(() => memo.verify('not.a.token', 'access')).to.throw(InvalidToken);
    expect(checks()).to.equal(2);
    expect(memo.size).to.equal(0);
  });

  it('keeps at most maxEntries tokens, dropping the oldest', () => {
    const { codec, memo } = setup(2);
    const tokens = [1, 2, 3].map((id) => codec.pairFor(id).access.token);
    for (const token of tokens) memo.verify(token, 'access');
    expect(memo.size).to.equal(2);
    expect(memo.recall(tokens[0], 'access')).to.equal(null);
    expect(memo.recall(tokens[2], 'access')).to.not.equal(null);
  });
});

describe('BearerVerifier', () => {
  const request = (authorization?: string) => ({ req: { headers: authorization === undefined ? {} : { authorization } } }) as unknown as Context;

  function bearer() {
    const clock = new FrozenClock();
    const codec = new TokenCodec(settings, loadKeys('HS256', KEY, null), clock);
    return { codec, verifier: new BearerVerifier(settings, codec, clock) };
  }

  const refusal = (run: () => unknown): Record<string, unknown> => {
    try {
      run();
    } catch (error) {
      expect(error).to.be.instanceOf(AuthenticationFailed);
      return (error as AuthenticationFailed).body();
    }
    throw new Error('expected a refusal');
  };

  it('reads the user id of a valid access token, the first time and every time after', () => {
    const { codec, verifier } = bearer();
    const token = codec.pairFor(7).access.token;
    for (let i = 0; i < 3; i++) {
      const access = verifier.read(request(`Bearer ${token}`));
      expect(access.userId).to.equal(7);
      expect(access.raw).to.equal(token);
    }
  });

  it('still refuses malformed headers around a token it already knows', () => {
    const { codec, verifier } = bearer();
    const token = codec.pairFor(7).access.token;
    verifier.read(request(`Bearer ${token}`));
    expect(refusal(() => verifier.read(request(`Bearer ${token} extra`)))).to.deep.equal({
      detail: 'Authorization header must contain two space-delimited values',
      code: 'bad_authorization_header',
    });
    expect(refusal(() => verifier.read(request(`Bearer ${token}\tx`))).code).to.equal('bad_authorization_header');
    expect(refusal(() => verifier.read(request(`bearer ${token}`)))).to.deep.equal({ detail: 'Authentication credentials were not provided.' });
    expect(refusal(() => verifier.read(request()))).to.deep.equal({ detail: 'Authentication credentials were not provided.' });
    // Extra spaces are allowed, as simplejwt's split allows them.
    expect(verifier.read(request(`Bearer   ${token}`)).userId).to.equal(7);
  });

  it('refuses a refresh token with the contract envelope, before and after its access token is known', () => {
    const { codec, verifier } = bearer();
    const pair = codec.pairFor(7);
    verifier.read(request(`Bearer ${pair.access.token}`));
    const body = refusal(() => verifier.read(request(`Bearer ${pair.refresh.token}`)));
    expect(body.code).to.equal('token_not_valid');
    expect(body.messages).to.deep.equal([{ token_class: 'AccessToken', token_type: 'access', message: 'Token has wrong type' }]);
  });
});
