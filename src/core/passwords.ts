// Password hashing: scrypt by default, in Django's own `scrypt$N$salt$r$p$hash` format so hashes move
// both ways between this service and a Django user table, and PBKDF2 hashes imported from Django
// (`pbkdf2_sha256$iterations$salt$hash`) verify and are upgraded on the next successful login.
// Both run on libuv's thread pool, so logins do not block the event loop.
import { createHash, pbkdf2, randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { sameBytes } from './constant-time';

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number, options: object) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

/** scrypt cost parameters. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** The outcome of checking a password. */
export interface PasswordCheck {
  readonly valid: boolean;
  /** True when the stored hash is valid but weaker than (or different from) the current default. */
  readonly needsRehash: boolean;
}

const SALT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const DERIVED_KEY_BYTES = 64; // Django's scrypt dklen

/** A 22-character salt from Django's alphabet (about 131 bits). */
function newSalt(): string {
  const bytes = randomBytes(22);
  let salt = '';
  // 256 is not a multiple of 62: the bias this leaves is far below what matters for a salt.
  for (const byte of bytes) salt += SALT_ALPHABET[byte % SALT_ALPHABET.length];
  return salt;
}

/**
 * Hashes and checks passwords.
 *
 * @example
 *   const hasher = new PasswordHasher({ N: 16384, r: 8, p: 3 });
 *   const encoded = await hasher.hash('s3cret');
 *   (await hasher.check('s3cret', encoded)).valid; // true
 */
export class PasswordHasher {
  private readonly dummy: Promise<string>;

  constructor(private readonly params: ScryptParams) {
    // Hashed once, lazily awaited: checking an unknown user's password against it costs the same
    // time as a real check, so response times do not reveal which emails exist.
    this.dummy = Promise.resolve().then(() => this.hash(newSalt()));
    this.dummy.catch(() => undefined);
  }

  /** A new scrypt hash of `password`. */
  async hash(password: string): Promise<string> {
    const { N, r, p } = this.params;
    const salt = newSalt();
    const key = await this.derive(password, salt, N, r, p);
    return `scrypt$${N}$${salt}$${r}$${p}$${key.toString('base64')}`;
  }

  /** Checks `password` against a stored hash; an unusable or unknown hash never matches. */
  async check(password: string, encoded: string | null | undefined): Promise<PasswordCheck> {
    const parts = (encoded ?? '').split('$');
    try {
      if (parts[0] === 'scrypt' && parts.length === 6) {
        const [, n, salt, r, p, expected] = parts;
        const params = { N: Number(n), r: Number(r), p: Number(p) };
        const key = await this.derive(password, salt, params.N, params.r, params.p);
        const valid = sameBytes(key, Buffer.from(expected, 'base64'));
        const current = params.N === this.params.N && params.r === this.params.r && params.p === this.params.p;
        return { valid, needsRehash: valid && !current };
      }
      if (parts[0] === 'pbkdf2_sha256' && parts.length === 4) {
        const [, iterations, salt, expected] = parts;
        const wanted = Buffer.from(expected, 'base64');
        const key = await pbkdf2Async(password, salt, Number(iterations), wanted.length || 32, 'sha256');
        const valid = sameBytes(key, wanted);
        return { valid, needsRehash: valid };
      }
    } catch {
      // A corrupt stored hash (bad numbers, parameters scrypt refuses) is treated as no match.
    }
    await this.spendAsMuchAsACheck(password);
    return { valid: false, needsRehash: false };
  }

  /** Spends the time of one real check; used when there is no user to check against. */
  async spendAsMuchAsACheck(password: string): Promise<void> {
    const dummy = await this.dummy;
    const [, n, salt, r, p] = dummy.split('$');
    await this.derive(password, salt, Number(n), Number(r), Number(p));
  }

  private derive(password: string, salt: string, N: number, r: number, p: number): Promise<Buffer> {
    if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p) || N < 2 || r < 1 || p < 1) {
      return Promise.reject(new Error('bad scrypt parameters'));
    }
    return scryptAsync(password, salt, DERIVED_KEY_BYTES, { N, r, p, maxmem: 256 * N * r + 1024 * r * p });
  }
}

/**
 * simplejwt's revoke claim: an md5 digest of the stored password hash. It changes whenever the
 * password does, which is all it is for; md5 is what the peers compute, so we must too.
 */
export const passwordDigest = (encoded: string): string => createHash('md5').update(encoded).digest('hex');
