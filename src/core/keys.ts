// Signing and verifying keys from settings, turned into KeyObjects once: jsonwebtoken rebuilds a
// key from a string on every call (about 300 us), against about 6 us with a KeyObject.
import type { KeyObject } from 'node:crypto';
import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync } from 'node:crypto';
import { SettingsError } from '../errors';
import type { Algorithm } from '../settings';
import { HMAC_ALGORITHMS } from '../settings';
import { jwkThumbprint } from './jwk';
import { KeyRing } from './key-ring';

export const isHmac = (algorithm: Algorithm): boolean => (HMAC_ALGORITHMS as readonly string[]).includes(algorithm);

const EXPECTED_KEY_TYPE: Record<string, string> = { RS: 'rsa', PS: 'rsa', ES: 'ec', Ed: 'ed25519' };
// jsonwebtoken refuses other curves and shorter RSA keys at every sign and verify: refuse them here,
// at start-up, instead of on the first login.
const EXPECTED_CURVE: Record<string, [string, string]> = { ES256: ['prime256v1', 'P-256'], ES384: ['secp384r1', 'P-384'], ES512: ['secp521r1', 'P-521'] };
const MINIMUM_RSA_BITS = 2048;

/**
 * A ring of one key built for `algorithm` from the configured strings. An HMAC key has the id
 * `keyId` (none when null: simplejwt's tokens carry no `kid`, and ours stay byte-identical); an
 * asymmetric key has `keyId` or, by default, its RFC 7638 thumbprint, which the auth-service and a
 * client-service holding the public half both compute.
 *
 * @example
 *   const keys = loadKeys('HS256', settings.SIGNING_KEY, null);
 */
export function loadKeys(algorithm: Algorithm, signingKey: string | null, verifyingKey: string | null, keyId: string | null = null): KeyRing {
  if (isHmac(algorithm)) {
    if (!signingKey) throw new SettingsError('SIGNING_KEY', `is required for ${algorithm}`);
    const secret = createSecretKey(Buffer.from(signingKey, 'utf8'));
    return new KeyRing([{ kid: keyId, algorithm, key: secret }], { kid: keyId, algorithm, key: secret });
  }
  const signing = signingKey ? parseKey('SIGNING_KEY', () => createPrivateKey(signingKey)) : null;
  const verifying = verifyingKey ? parseKey('VERIFYING_KEY', () => createPublicKey(verifyingKey)) : signing ? createPublicKey(signing) : null;
  if (!verifying) throw new SettingsError('VERIFYING_KEY', `is required for ${algorithm} when SIGNING_KEY is not given`);
  checkAsymmetricKeys(algorithm, signing, verifying);
  const kid = keyId ?? jwkThumbprint(verifying);
  return new KeyRing([{ kid, algorithm, key: verifying }], signing ? { kid, algorithm, key: signing } : null);
}

/** Refuses keys of the wrong type, curve or size for `algorithm`, naming the setting they came from. */
export function checkAsymmetricKeys(algorithm: Algorithm, signing: KeyObject | null, verifying: KeyObject | null): void {
  const expected = EXPECTED_KEY_TYPE[algorithm.slice(0, 2)];
  for (const [key, object] of [
    ['SIGNING_KEY', signing],
    ['VERIFYING_KEY', verifying],
  ] as const) {
    if (object && object.asymmetricKeyType !== expected) {
      throw new SettingsError(
        key,
        `is a ${String(object.asymmetricKeyType)} key; ${algorithm} needs ${expected === 'ed25519' ? 'an Ed25519' : `an ${expected}`} key`,
      );
    }
    const curve = EXPECTED_CURVE[algorithm];
    if (object && curve && object.asymmetricKeyDetails?.namedCurve !== curve[0]) {
      throw new SettingsError(key, `is on curve ${String(object.asymmetricKeyDetails?.namedCurve)}; ${algorithm} needs ${curve[1]} (${curve[0]})`);
    }
    if (object && expected === 'rsa' && (object.asymmetricKeyDetails?.modulusLength ?? 0) < MINIMUM_RSA_BITS) {
      throw new SettingsError(
        key,
        `is a ${String(object.asymmetricKeyDetails?.modulusLength)}-bit RSA key; ${algorithm} needs at least ${MINIMUM_RSA_BITS} bits`,
      );
    }
  }
}

export function parseKey(name: string, parse: () => KeyObject): KeyObject {
  try {
    return parse();
  } catch (error) {
    throw new SettingsError(name, `is not a PEM key (${(error as Error).message})`);
  }
}

/** The curve of each ES algorithm, as generateKeyPairSync names it. */
const CURVE_OF: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/**
 * A new key pair for an asymmetric `algorithm`: RSA 2048 for RS/PS, the algorithm's curve for ES,
 * Ed25519 for EdDSA. HS* has no pair: its secret is SIGNING_KEY.
 *
 * @example
 *   const { privateKey } = newKeyPair('ES256');
 */
export function newKeyPair(algorithm: Algorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  if (isHmac(algorithm)) throw new Error(`${algorithm} keys are secrets from SIGNING_KEY, not key pairs`);
  if (algorithm === 'EdDSA') return generateKeyPairSync('ed25519');
  if (algorithm.startsWith('ES')) return generateKeyPairSync('ec', { namedCurve: CURVE_OF[algorithm] });
  return generateKeyPairSync('rsa', { modulusLength: MINIMUM_RSA_BITS });
}
