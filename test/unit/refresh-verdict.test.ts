// The refresh verdict, case by case: what the registry's record of a presented refresh token, its
// session, the clock and the settings decide, with no database in the way.
import { expect } from 'chai';
import type { RefreshVerdict, VerdictSettings } from '../../src/auth-service/refresh-verdict';
import { refreshVerdict, replayRefusal } from '../../src/auth-service/refresh-verdict';
import type { EasyJwtError } from '../../src/errors';
import { InvalidToken, SessionLifetimeExceeded, TokenBlacklisted, TokenExpiredByRegistry } from '../../src/errors';
import type { Rotation, SessionStanding, TokenRecord } from '../../src/registry/token-registry';

const NOW = new Date(Date.UTC(2026, 10, 22, 12, 0, 0));
const secondsAgo = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);
const secondsAhead = (seconds: number): Date => new Date(NOW.getTime() + seconds * 1000);

const record = (overrides: Partial<TokenRecord> = {}): TokenRecord => ({
  id: 7,
  jti: 'abc',
  revoked: false,
  expired: false,
  rotatedAt: null,
  rotation: null,
  sessionId: 3,
  ...overrides,
});

const PLAIN: VerdictSettings = { ROTATE_REFRESH_TOKENS: false, BLACKLIST_AFTER_ROTATION: false, REFRESH_TOKEN_REUSE_DETECTION: null, ROTATION_GRACE_PERIOD: 5 };
const ROTATING: VerdictSettings = { ...PLAIN, ROTATE_REFRESH_TOKENS: true };
const ROTATING_BLACKLIST: VerdictSettings = { ...ROTATING, BLACKLIST_AFTER_ROTATION: true };
const OPEN_SESSION: SessionStanding = { ended: false, endsAt: null };
const ROTATION: Rotation = {
  refresh: { jti: 'def', issuedAt: NOW.getTime() / 1000 - 4, expiresAt: NOW.getTime() / 1000 + 86396 },
  access: { jti: 'ghi', issuedAt: NOW.getTime() / 1000 - 3600, expiresAt: NOW.getTime() / 1000 + 296 },
};

/** The error of a refusal, failing the test for any other verdict. */
function refusal(verdict: RefreshVerdict): EasyJwtError {
  if (verdict.kind !== 'refuse') throw new Error(`expected a refusal, got ${JSON.stringify(verdict)}`);
  return verdict.error;
}

describe('refreshVerdict', () => {
  it('issues for a plain token and keeps it without rotation', () => {
    expect(refreshVerdict(record(), OPEN_SESSION, NOW, PLAIN)).to.deep.equal({ kind: 'issue', notAfter: null, retire: 'keep' });
  });

  it('issues for a token without a session', () => {
    expect(refreshVerdict(record({ sessionId: null }), null, NOW, PLAIN)).to.deep.equal({ kind: 'issue', notAfter: null, retire: 'keep' });
  });

  it('refuses a token the registry expired, before anything else', () => {
    const error = refusal(refreshVerdict(record({ expired: true, revoked: true, rotatedAt: secondsAgo(60) }), OPEN_SESSION, NOW, ROTATING));
    expect(error).to.be.instanceOf(TokenExpiredByRegistry);
    expect(error.code).to.equal('token_expired_by_registry');
  });

  it('refuses a revoked token as blacklisted when reuse detection is off', () => {
    const error = refusal(refreshVerdict(record({ revoked: true }), OPEN_SESSION, NOW, PLAIN));
    expect(error).to.be.instanceOf(InvalidToken);
    expect(error.message).to.equal('Token is blacklisted');
  });

  it('refuses a revoked token that was never rotated even with detection on', () => {
    const error = refusal(refreshVerdict(record({ revoked: true }), OPEN_SESSION, NOW, ROTATING_BLACKLIST));
    expect(error.message).to.equal('Token is blacklisted');
  });

  it('answers a rotated-out token inside the grace window with its recorded rotation, even when the rotation blacklisted it', () => {
    for (const settings of [ROTATING, ROTATING_BLACKLIST]) {
      const verdict = refreshVerdict(
        record({ rotatedAt: secondsAgo(4), revoked: settings.BLACKLIST_AFTER_ROTATION, rotation: ROTATION }),
        OPEN_SESSION,
        NOW,
        settings,
      );
      expect(verdict).to.deep.equal({ kind: 'replay', rotation: ROTATION });
    }
  });

  it('replays the recorded rotation as it was, whatever the session cap says now', () => {
    const endsAt = secondsAhead(30);
    expect(refreshVerdict(record({ rotatedAt: secondsAgo(1), rotation: ROTATION }), { ended: false, endsAt }, NOW, ROTATING_BLACKLIST)).to.deep.equal({
      kind: 'replay',
      rotation: ROTATION,
    });
  });

  it('refuses a replay inside the grace window once the session was ended or reached its lifetime', () => {
    const rotated = record({ rotatedAt: secondsAgo(1), revoked: true, rotation: ROTATION });
    expect(refusal(refreshVerdict(rotated, { ended: true, endsAt: null }, NOW, ROTATING_BLACKLIST))).to.be.instanceOf(TokenExpiredByRegistry);
    expect(refusal(refreshVerdict(rotated, { ended: false, endsAt: NOW }, NOW, ROTATING_BLACKLIST))).to.be.instanceOf(SessionLifetimeExceeded);
    expect(refusal(refreshVerdict({ ...rotated, expired: true }, OPEN_SESSION, NOW, ROTATING_BLACKLIST))).to.be.instanceOf(TokenExpiredByRegistry);
  });

  it('detects reuse after the grace window even though the rotation is recorded', () => {
    expect(refreshVerdict(record({ rotatedAt: secondsAgo(6), revoked: true, rotation: ROTATION }), OPEN_SESSION, NOW, ROTATING_BLACKLIST)).to.deep.equal({
      kind: 'reuse',
    });
  });

  it('issues new tokens inside the grace window for a token rotated before rotations were recorded', () => {
    const verdict = refreshVerdict(record({ rotatedAt: secondsAgo(4), revoked: true }), OPEN_SESSION, NOW, ROTATING_BLACKLIST);
    expect(verdict).to.deep.equal({ kind: 'issue', notAfter: null, retire: 'mark-and-blacklist' });
  });

  it('never replays without reuse detection: a rotated, blacklisted token is refused', () => {
    const settings = { ...ROTATING_BLACKLIST, REFRESH_TOKEN_REUSE_DETECTION: false };
    const error = refusal(refreshVerdict(record({ rotatedAt: secondsAgo(1), revoked: true, rotation: ROTATION }), OPEN_SESSION, NOW, settings));
    expect(error.message).to.equal('Token is blacklisted');
  });

  it('answers at exactly the end of the grace window and detects reuse one millisecond later', () => {
    expect(refreshVerdict(record({ rotatedAt: secondsAgo(5) }), OPEN_SESSION, NOW, ROTATING).kind).to.equal('issue');
    expect(refreshVerdict(record({ rotatedAt: new Date(secondsAgo(5).getTime() - 1) }), OPEN_SESSION, NOW, ROTATING)).to.deep.equal({ kind: 'reuse' });
  });

  it('detects reuse after the grace window whatever the session says', () => {
    expect(refreshVerdict(record({ rotatedAt: secondsAgo(60), revoked: true }), { ended: true, endsAt: secondsAgo(1) }, NOW, ROTATING_BLACKLIST)).to.deep.equal(
      {
        kind: 'reuse',
      },
    );
  });

  it('does not watch for reuse when REFRESH_TOKEN_REUSE_DETECTION is false: a rotated, blacklisted token is just blacklisted', () => {
    const settings = { ...ROTATING_BLACKLIST, REFRESH_TOKEN_REUSE_DETECTION: false };
    const error = refusal(refreshVerdict(record({ rotatedAt: secondsAgo(60), revoked: true }), OPEN_SESSION, NOW, settings));
    expect(error.message).to.equal('Token is blacklisted');
    expect(refreshVerdict(record(), OPEN_SESSION, NOW, settings)).to.deep.equal({ kind: 'issue', notAfter: null, retire: 'blacklist' });
  });

  it('refuses a token whose session was ended', () => {
    const error = refusal(refreshVerdict(record(), { ended: true, endsAt: null }, NOW, PLAIN));
    expect(error).to.be.instanceOf(TokenExpiredByRegistry);
  });

  it('refuses a token whose session reached SESSION_MAX_LIFETIME, at the limit itself', () => {
    expect(refusal(refreshVerdict(record(), { ended: false, endsAt: NOW }, NOW, PLAIN))).to.be.instanceOf(SessionLifetimeExceeded);
    expect(refusal(refreshVerdict(record(), { ended: false, endsAt: secondsAgo(1) }, NOW, PLAIN))).to.be.instanceOf(SessionLifetimeExceeded);
  });

  it('caps new tokens at the session end, in whole epoch seconds', () => {
    const endsAt = new Date(secondsAhead(30).getTime() + 750);
    const verdict = refreshVerdict(record(), { ended: false, endsAt }, NOW, PLAIN);
    expect(verdict).to.deep.equal({ kind: 'issue', notAfter: Math.floor(endsAt.getTime() / 1000), retire: 'keep' });
  });

  it('retires the used token as the rotation settings say', () => {
    const retire = (settings: VerdictSettings) => {
      const verdict = refreshVerdict(record(), OPEN_SESSION, NOW, settings);
      return verdict.kind === 'issue' ? verdict.retire : verdict.kind;
    };
    expect(retire(PLAIN)).to.equal('keep');
    expect(retire({ ...PLAIN, BLACKLIST_AFTER_ROTATION: true })).to.equal('keep');
    expect(retire(ROTATING)).to.equal('mark');
    expect(retire(ROTATING_BLACKLIST)).to.equal('mark-and-blacklist');
    expect(retire({ ...ROTATING, REFRESH_TOKEN_REUSE_DETECTION: false })).to.equal('rotate');
    expect(retire({ ...ROTATING_BLACKLIST, REFRESH_TOKEN_REUSE_DETECTION: false })).to.equal('blacklist');
  });
});

describe('replayRefusal', () => {
  it('answers a recorded rotation whose refresh token is live, rotated on, or unknown to the registry', () => {
    expect(replayRefusal(record())).to.equal(null);
    expect(replayRefusal(record({ revoked: true, rotatedAt: secondsAgo(1) }))).to.equal(null);
    expect(replayRefusal(null)).to.equal(null);
  });

  it('refuses it once that token was blacklisted (logout) or expired by the registry', () => {
    expect(replayRefusal(record({ revoked: true }))).to.be.instanceOf(TokenBlacklisted);
    expect(replayRefusal(record({ expired: true, revoked: true, rotatedAt: secondsAgo(1) }))).to.be.instanceOf(TokenExpiredByRegistry);
  });
});
