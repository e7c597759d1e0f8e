// PasswordHasher: Django's scrypt format, Django PBKDF2 and scrypt hashes verified and upgraded, bad hashes never matching.
import { expect } from 'chai';
import { createHash, pbkdf2Sync } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { hashConcurrency, passwordDigest, PasswordHasher } from '../../src/core/passwords';

const SMALL = { N: 1024, r: 8, p: 1 };

// Produced by Debian's Python 3.11, independently of node:crypto:
//   base64.b64encode(hashlib.pbkdf2_hmac('sha256', b'user-pass', b'saltsaltsalt', 260000))
const DJANGO_PBKDF2 = 'pbkdf2_sha256$260000$saltsaltsalt$RiTfeYx7ikABEnxMmiGfQmc9mMSkTBM40EevCUHb4RM=';
//   base64.b64encode(hashlib.scrypt(b'user-pass', salt=b'djangoScryptSalt1234ab', n=16384, r=8, p=1, dklen=64))
// in the format Django's ScryptPasswordHasher stores.
const DJANGO_SCRYPT = 'scrypt$16384$djangoScryptSalt1234ab$8$1$Ls7NaQfzfKybkgw3GRqI8yVtJ8pVJ5boiLaBh4JL9WYlTUHlCn2NWycxrehMr4DWZkHm9gZHGYRyPcHWqXMExg==';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(SMALL);

  it('hashes in Django scrypt format: scrypt$N$<22-char salt>$r$p$<base64 of 64 bytes>', async () => {
    const encoded = await hasher.hash('user-pass');
    expect(encoded).to.match(/^scrypt\$1024\$[A-Za-z0-9]{22}\$8\$1\$[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(encoded.split('$')[5], 'base64')).to.have.length(64);
  });

  it('uses a new salt for every hash', async () => {
    const [a, b] = await Promise.all([hasher.hash('user-pass'), hasher.hash('user-pass')]);
    expect(a.split('$')[2]).not.to.equal(b.split('$')[2]);
    expect(a).not.to.equal(b);
  });

  it('accepts the right password and refuses a wrong one, without asking for a rehash', async () => {
    const encoded = await hasher.hash('user-pass');
    expect(await hasher.check('user-pass', encoded)).to.deep.equal({ valid: true, needsRehash: false });
    expect(await hasher.check('user-pass ', encoded)).to.deep.equal({ valid: false, needsRehash: false });
    expect(await hasher.check('', encoded)).to.deep.equal({ valid: false, needsRehash: false });
  });

  it('handles non-ASCII passwords as UTF-8', async () => {
    const encoded = await hasher.hash('pässwörd-日本');
    expect((await hasher.check('pässwörd-日本', encoded)).valid).to.equal(true);
    expect((await hasher.check('passwort-日本', encoded)).valid).to.equal(false);
  });

  it('asks for a rehash when a valid hash was made with other scrypt parameters', async () => {
    const encoded = await new PasswordHasher({ N: 2048, r: 8, p: 1 }).hash('user-pass');
    expect(await hasher.check('user-pass', encoded)).to.deep.equal({ valid: true, needsRehash: true });
    const otherP = await new PasswordHasher({ N: 1024, r: 8, p: 2 }).hash('user-pass');
    expect(await hasher.check('user-pass', otherP)).to.deep.equal({ valid: true, needsRehash: true });
    expect(await hasher.check('wrong-pass', otherP)).to.deep.equal({ valid: false, needsRehash: false });
  });

  it('verifies a Django PBKDF2 hash computed here, and asks for it to be upgraded', async () => {
    const key = pbkdf2Sync('user-pass', 'aSaltFromDjango', 1000, 32, 'sha256').toString('base64');
    const encoded = `pbkdf2_sha256$1000$aSaltFromDjango$${key}`;
    expect(await hasher.check('user-pass', encoded)).to.deep.equal({ valid: true, needsRehash: true });
    expect(await hasher.check('user-pasS', encoded)).to.deep.equal({ valid: false, needsRehash: false });
  });

  it('verifies a PBKDF2 hash produced by Python, and asks for it to be upgraded', async () => {
    expect(await hasher.check('user-pass', DJANGO_PBKDF2)).to.deep.equal({ valid: true, needsRehash: true });
    expect((await hasher.check('other-pass', DJANGO_PBKDF2)).valid).to.equal(false);
  });

  it("verifies a scrypt hash produced by Python's hashlib in Django's format", async () => {
    expect(await hasher.check('user-pass', DJANGO_SCRYPT)).to.deep.equal({ valid: true, needsRehash: true });
    expect(await new PasswordHasher({ N: 16384, r: 8, p: 1 }).check('user-pass', DJANGO_SCRYPT)).to.deep.equal({
      valid: true,
      needsRehash: false,
    });
    expect((await hasher.check('user-pas', DJANGO_SCRYPT)).valid).to.equal(false);
  });

  it('never matches, and never throws on, a garbage, unknown, empty or missing stored hash', async () => {
    const stored = [
      '',
      null,
      undefined,
      'garbage',
      '!unusablePasswordFromDjango',
      'md5$salt$0123456789abcdef',
      'argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA',
      'bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuv',
      'scrypt$1024$salt$8$1',
      'scrypt$abc$salt$8$1$AAAA',
      'scrypt$1000$salt$8$1$AAAA',
      'scrypt$1024$salt$0$1$AAAA',
      'scrypt$1024$salt$8$1$',
      'pbkdf2_sha256$abc$salt$AAAA',
      'pbkdf2_sha256$1000$salt$',
      'pbkdf2_sha256$1000$salt',
      'pbkdf2_sha1$1000$salt$AAAA',
    ];
    for (const encoded of stored) {
      const result = await hasher.check('user-pass', encoded);
      expect(result, String(encoded)).to.deep.equal({ valid: false, needsRehash: false });
    }
    // Even the empty password against an empty hash.
    expect(await hasher.check('', '')).to.deep.equal({ valid: false, needsRehash: false });
  });

  it('spends a real check when there is no user, without failing', async () => {
    await hasher.spendAsMuchAsACheck('user-pass');
  });
});

describe('passwordDigest', () => {
  it('is the md5 hex digest of the stored hash, as simplejwt computes its revoke claim', () => {
    expect(passwordDigest('')).to.equal('d41d8cd98f00b204e9800998ecf8427e');
    expect(passwordDigest('abc')).to.equal('900150983cd24fb0d6963f7d28e17f72');
    expect(passwordDigest(DJANGO_PBKDF2)).to.equal(createHash('md5').update(DJANGO_PBKDF2, 'utf8').digest('hex'));
  });

  it('changes whenever the stored hash does', async () => {
    const hasher = new PasswordHasher(SMALL);
    const [a, b] = [await hasher.hash('user-pass'), await hasher.hash('user-pass')];
    expect(passwordDigest(a))
      .to.match(/^[0-9a-f]{32}$/)
      .and.not.equal(passwordDigest(b));
  });
});

describe('PasswordHasher on the shared thread pool', () => {
  // libuv's pool in this test process: its default of 4 unless the environment says otherwise.
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE || 4);

  it('runs at most `concurrency` hashes at once and queues the rest in order', async () => {
    const hasher = new PasswordHasher(SMALL, { concurrency: 2 });
    await hasher.spendAsMuchAsACheck('warm-up'); // the dummy hash the constructor starts
    let most = 0;
    let queued = 0;
    const sample = setInterval(() => {
      most = Math.max(most, hasher.load.running);
      queued = Math.max(queued, hasher.load.waiting);
    }, 0);
    const hashes = await Promise.all(Array.from({ length: 12 }, (_, i) => hasher.hash(`pass-${i}`)));
    clearInterval(sample);
    expect(hashes).to.have.length(12);
    expect(most).to.be.at.most(2);
    expect(queued).to.be.greaterThan(0);
    expect(hasher.load).to.deep.equal({ running: 0, waiting: 0 });
  });

  it('leaves a pool thread free: a file system call during a burst of hashes does not wait for the burst', async () => {
    // Ordering, not timing, so a loaded machine cannot make it flaky: with every thread taken by
    // hashes, the stat would be queued behind all of them and finish after the last but `poolSize`.
    const hasher = new PasswordHasher({ N: 16384, r: 8, p: 1 }, { concurrency: hashConcurrency(poolSize) });
    let finished = 0;
    const burst = Array.from({ length: 24 }, (_, i) => hasher.hash(`pass-${i}`).then(() => finished++));
    await new Promise((resolve) => setImmediate(resolve));
    await stat(__filename);
    const finishedAtStat = finished;
    await Promise.all(burst);
    expect(finishedAtStat).to.be.below(24 - poolSize);
  });

  it('refuses a concurrency below 1', () => {
    expect(() => new PasswordHasher(SMALL, { concurrency: 0 })).to.throw(RangeError, /at least 1/);
    expect(hashConcurrency(1)).to.equal(1);
    expect(hashConcurrency(4)).to.equal(3);
  });
});
