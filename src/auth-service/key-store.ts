// The key store: the auth-service's asymmetric keys in the database, for rotation while services
// run and across instances. Every instance keeps the keys in memory (the request path never waits
// for the database), reloads them every KEY_RELOAD_INTERVAL, and at once (at most every few
// seconds, so garbage tokens cannot make it hammer the database) when a token names a kid it does
// not know yet.
//
// A key's life: stored (published and verifying at once) -> signing from `signs_from` -> verifying
// only, once a newer key signs -> gone at `verify_until`. Time decides what signs and verifies, so
// an instance needs no reload to switch keys at the planned moment; reloads only bring new rows and
// early retirements.
import type { KeyObject } from 'node:crypto';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { IsNull } from 'typeorm';
import type { Clock } from '../core/clock';
import { jwkThumbprint, publicJwk } from '../core/jwk';
import type { KeySource, SigningKey, VerificationKey } from '../core/key-ring';
import { checkAsymmetricKeys, isHmac, newKeyPair } from '../core/keys';
import { SigningKeyRecord } from '../entities';
import { UsageError } from '../errors';
import type { Logger } from '../logger';
import type { Algorithm, Settings } from '../settings';
import { ASYMMETRIC_ALGORITHMS } from '../settings';

/** The settings the key store reads. */
export type KeyStoreSettings = Pick<Settings, 'ALGORITHM' | 'KEY_RELOAD_INTERVAL' | 'KEY_ACTIVATION_DELAY' | 'REFRESH_TOKEN_LIFETIME' | 'LEEWAY'>;

/** Least time between two reloads caused by unknown kids. */
const UNKNOWN_KID_RELOAD_GAP_MS = 2000;

/** A stored key as `easyjwt keys list` shows it. */
export interface StoredKey {
  readonly kid: string;
  readonly algorithm: string;
  readonly createdAt: Date;
  readonly signsFrom: Date;
  readonly verifyUntil: Date | null;
}

/** A row turned into key objects, once per kid. */
interface LoadedKey {
  readonly verification: VerificationKey;
  readonly signing: SigningKey;
  readonly signsFrom: number;
  readonly verifyUntil: number | null;
}

const isAlgorithm = (value: string): value is Algorithm => (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(value);

/**
 * The keys of the `easyjwt_signing_key` table, as a TokenCodec's key source.
 *
 * @example
 *   const store = await KeyStore.open(dataSource, settings, clock, logger);
 *   const codec = new TokenCodec(settings, store, clock);
 */
export class KeyStore implements KeySource {
  private loaded = new Map<string, LoadedKey>();
  /** Every loaded key, newest `signs_from` first: the first that has started and still verifies signs. */
  private signers: LoadedKey[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastUnknownReload = 0;
  private reloading: Promise<void> | null = null;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly settings: KeyStoreSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads the keys and starts reloading them. An empty store gets its first key (ALGORITHM,
   * signing at once): two instances starting together may each make one, and both then verify.
   */
  static async open(dataSource: DataSource, settings: KeyStoreSettings, clock: Clock, logger: Logger): Promise<KeyStore> {
    const store = new KeyStore(dataSource, settings, clock, logger);
    await store.reload();
    if (store.loaded.size === 0) {
      const first = await store.generate(settings.ALGORITHM);
      logger.warn({ kid: first.kid, algorithm: first.algorithm }, 'the key store was empty: generated its first signing key');
    }
    store.timer = setInterval(() => void store.reloadLogged(), settings.KEY_RELOAD_INTERVAL * 1000);
    store.timer.unref();
    return store;
  }

  /** A store for the CLI: loaded once, never reloading, never generating by itself. */
  static async forAdmin(dataSource: DataSource, settings: KeyStoreSettings, clock: Clock, logger: Logger): Promise<KeyStore> {
    const store = new KeyStore(dataSource, settings, clock, logger);
    await store.reload();
    return store;
  }

  /** Stops the periodic reload. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  resolve(kid: string | null, algorithm: string): VerificationKey | undefined {
    const now = this.clock.now();
    if (kid === null) {
      // Only one key of this algorithm may verify a token without kid (see KeyRing).
      let found: VerificationKey | undefined;
      for (const key of this.loaded.values()) {
        if (key.verification.algorithm !== algorithm || !verifiesAt(key, now)) continue;
        if (found) return undefined;
        found = key.verification;
      }
      return found;
    }
    const key = this.loaded.get(kid);
    if (!key) {
      this.reloadForUnknownKid();
      return undefined;
    }
    return verifiesAt(key, now) ? key.verification : undefined;
  }

  /** The newest key whose `signs_from` has come; null only when none has (see open()). */
  signingKey(): SigningKey | null {
    const now = this.clock.now();
    for (const key of this.signers) if (key.signsFrom <= now && verifiesAt(key, now)) return key.signing;
    return null;
  }

  /** Every key that verifies now, including one that does not sign yet: what the JWKS publishes. */
  keys(): readonly VerificationKey[] {
    const now = this.clock.now();
    return [...this.loaded.values()].filter((key) => verifiesAt(key, now)).map((key) => key.verification);
  }

  /** Reads the table again: new keys appear, retired ones go. */
  async reload(): Promise<void> {
    // One reload at a time: the timer and an unknown kid may ask together.
    this.reloading ??= this.readRows().finally(() => (this.reloading = null));
    await this.reloading;
  }

  /** The first key, or one more, signing at once: `easyjwt keys generate`. */
  async generate(algorithm: Algorithm): Promise<StoredKey> {
    const created = await this.insert(algorithm, new Date(this.clock.now()));
    await this.reload();
    return created;
  }

  /**
   * A new key published now and signing after KEY_ACTIVATION_DELAY; every key signing until then
   * keeps verifying until the last token it can sign has expired (the refresh lifetime and LEEWAY
   * after the new key takes over), then goes.
   */
  async rotate(algorithm: Algorithm): Promise<{ created: StoredKey; retiring: StoredKey[] }> {
    const signsFrom = new Date(this.clock.now() + this.settings.KEY_ACTIVATION_DELAY * 1000);
    const verifyUntil = new Date(signsFrom.getTime() + (this.settings.REFRESH_TOKEN_LIFETIME + this.settings.LEEWAY) * 1000);
    const outcome = await this.dataSource.transaction(async (manager) => {
      const current = await manager.find(SigningKeyRecord, { where: { verifyUntil: IsNull() } });
      for (const row of current) {
        row.verifyUntil = verifyUntil;
        await manager.save(row);
      }
      const created = await this.insert(algorithm, signsFrom, manager.getRepository(SigningKeyRecord));
      return { created, retiring: current.map(storedKey) };
    });
    await this.reload();
    return outcome;
  }

  /**
   * Stops verifying `kid` now (a compromised key). When it was the key signing now and no other
   * can sign, a new key of its algorithm signs at once, so logins keep working.
   */
  async retire(kid: string): Promise<{ retired: StoredKey; replacement: StoredKey | null }> {
    const now = new Date(this.clock.now());
    const row = await this.dataSource.getRepository(SigningKeyRecord).findOneBy({ kid });
    if (!row) throw new UsageError(`no key with kid ${kid}`);
    if (row.verifyUntil !== null && row.verifyUntil <= now) throw new UsageError(`key ${kid} was already retired at ${row.verifyUntil.toISOString()}`);
    row.verifyUntil = now;
    await this.dataSource.getRepository(SigningKeyRecord).save(row);
    await this.reload();
    const replacement = this.signingKey() === null ? await this.generate(isAlgorithm(row.algorithm) ? row.algorithm : this.settings.ALGORITHM) : null;
    return { retired: storedKey(row), replacement };
  }

  /** Every stored key, oldest first, retired ones included. */
  async list(): Promise<StoredKey[]> {
    const rows = await this.dataSource.getRepository(SigningKeyRecord).find({ order: { id: 'ASC' } });
    return rows.map(storedKey);
  }

  private async insert(algorithm: Algorithm, signsFrom: Date, repository = this.dataSource.getRepository(SigningKeyRecord)): Promise<StoredKey> {
    if (isHmac(algorithm)) throw new UsageError(`the key store holds key pairs; ${algorithm} takes its secret from SIGNING_KEY`);
    const { privateKey, publicKey } = newKeyPair(algorithm);
    const jwk = { ...publicJwk(publicKey), kid: jwkThumbprint(publicKey), alg: algorithm, use: 'sig' };
    const row = repository.create({
      kid: jwk.kid,
      algorithm,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      publicJwk: JSON.stringify(jwk),
      createdAt: new Date(this.clock.now()),
      signsFrom,
      verifyUntil: null,
    });
    await repository.save(row);
    return storedKey(row);
  }

  private async readRows(): Promise<void> {
    const now = this.clock.now();
    // A handful of rows: filtered here rather than by a datetime comparison each dialect spells its own way.
    const rows = await this.dataSource.getRepository(SigningKeyRecord).find();
    const next = new Map<string, LoadedKey>();
    for (const row of rows) {
      if (row.verifyUntil !== null && row.verifyUntil.getTime() <= now) continue;
      const known = this.loaded.get(row.kid);
      const loaded = known ? { ...known, verifyUntil: row.verifyUntil?.getTime() ?? null, signsFrom: row.signsFrom.getTime() } : this.parse(row);
      if (loaded) next.set(row.kid, loaded);
    }
    this.loaded = next;
    // A key being rotated out (verify_until ahead) still signs until its successor's signs_from.
    this.signers = [...next.values()].sort((a, b) => b.signsFrom - a.signsFrom);
  }

  /** A row's key objects, or null (logged) for a row this version cannot use. */
  private parse(row: SigningKeyRecord): LoadedKey | null {
    if (!isAlgorithm(row.algorithm)) {
      this.logger.error({ kid: row.kid, algorithm: row.algorithm }, 'key store row has an unknown algorithm: ignored');
      return null;
    }
    let privateKey: KeyObject;
    let publicKey: KeyObject;
    try {
      privateKey = createPrivateKey(row.privateKey);
      publicKey = createPublicKey(privateKey);
      checkAsymmetricKeys(row.algorithm, privateKey, publicKey);
    } catch (error) {
      this.logger.error({ kid: row.kid, err: error }, 'key store row holds no usable key: ignored');
      return null;
    }
    const kid = row.kid;
    const algorithm = row.algorithm;
    return {
      verification: Object.freeze({ kid, algorithm, key: publicKey }),
      signing: Object.freeze({ kid, algorithm, key: privateKey }),
      signsFrom: row.signsFrom.getTime(),
      verifyUntil: row.verifyUntil?.getTime() ?? null,
    };
  }

  private reloadForUnknownKid(): void {
    // Wall time, not the service's clock: this limits database load, whatever time tokens are judged at.
    const now = Date.now();
    if (now - this.lastUnknownReload < UNKNOWN_KID_RELOAD_GAP_MS) return;
    this.lastUnknownReload = now;
    void this.reloadLogged();
  }

  private async reloadLogged(): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      // The keys already loaded keep serving; the next reload tries again.
      this.logger.error({ err: error }, 'reloading the key store failed');
    }
  }
}

const verifiesAt = (key: LoadedKey, now: number): boolean => key.verifyUntil === null || now < key.verifyUntil;

const storedKey = (row: SigningKeyRecord): StoredKey => ({
  kid: row.kid,
  algorithm: row.algorithm,
  createdAt: row.createdAt,
  signsFrom: row.signsFrom,
  verifyUntil: row.verifyUntil,
});
