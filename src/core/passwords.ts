// Password hashing: scrypt by default, in Django's own `scrypt$N$salt$r$p$hash` format so hashes move
// both ways between this service and a Django user table, and PBKDF2 hashes imported from Django
// (`pbkdf2_sha256$iterations$salt$hash`) verify and are upgraded on the next successful login.
// Both run on libuv's thread pool, so logins do not block the event loop. The pool is shared with
// file system calls and dns.lookup (mysql2 resolves a database host name there), so a hasher takes
// at most `concurrency` threads at once (by default all but one) and queues the rest in order: a
// burst of logins cannot hold every thread and delay a reconnect to the database behind it.
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

/** How a hasher shares libuv's thread pool. */
export interface HasherOptions {
  /**
   * Most hashes running on the pool at once (at least 1); the rest wait their turn in order.
   * Default: 3, one fewer than libuv's default pool of 4.
   */
  readonly concurrency?: number;
}

/**
 * Hashes allowed on a pool of `poolSize` threads: all but one, so file system calls and dns
 * lookups always find a free thread; one on a pool of one.
 *
 * @example
 *   hashConcurrency(4); // 3
 */
export const hashConcurrency = (poolSize: number): number => Math.max(1, poolSize - 1);

/**
 * Runs at most `limit` tasks at once; the others start in the order they came as earlier ones end.
 * No bound on the queue: what arrives at it is already bounded by the connection cap
 * (MAX_CONNECTIONS) and, for wrong passwords, by the login throttle.
 */
class TaskGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, so a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Tasks running and waiting, for tests and metrics. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
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
 *   const hasher = new PasswordHasher({ N: 16384, r: 8, p: 3 }, { concurrency: 3 });
 *   const encoded = await hasher.hash('s3cret');
 *   (await hasher.check('s3cret', encoded)).valid; // true
 */
export class PasswordHasher {
  private readonly dummy: Promise<string>;
  private readonly gate: TaskGate;

  constructor(
    private readonly params: ScryptParams,
    options: HasherOptions = {},
  ) {
    const concurrency = options.concurrency ?? hashConcurrency(4);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`hasher concurrency must be a whole number of at least 1, got ${concurrency}`);
    this.gate = new TaskGate(concurrency);
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
        const key = await this.gate.run(() => pbkdf2Async(password, salt, Number(iterations), wanted.length || 32, 'sha256'));
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

  /** Hashes running on the pool and waiting for a thread. */
  get load(): { running: number; waiting: number } {
    return this.gate.load;
  }

  private derive(password: string, salt: string, N: number, r: number, p: number): Promise<Buffer> {
    if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p) || N < 2 || r < 1 || p < 1) {
      return Promise.reject(new Error('bad scrypt parameters'));
    }
    return this.gate.run(() => scryptAsync(password, salt, DERIVED_KEY_BYTES, { N, r, p, maxmem: 256 * N * r + 1024 * r * p }));
  }
}

/**
 * simplejwt's revoke claim: an md5 digest of the stored password hash. It changes whenever the
 * password does, which is all it is for; md5 is what the peers compute, so we must too.
 */
export const passwordDigest = (encoded: string): string => createHash('md5').update(encoded).digest('hex');
