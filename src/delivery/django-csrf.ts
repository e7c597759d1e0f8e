// Django's CSRF token, for the easyjwt-cookie delivery mode: the `csrftoken` cookie an SPA written
// for django-easyjwt 1.1 reads and echoes in X-CSRFToken, made and compared the way Django's
// CsrfViewMiddleware makes and compares it, so a cookie set by a Django service on the same host
// is accepted here and ours there.
//
// The format (Django 3.2): a secret of 32 characters from [a-zA-Z0-9], sent as a 64-character
// masked token: 32 random mask characters, then the secret with each character shifted by the
// mask character at its position (indexes into the alphabet, modulo 62). Masking gives every
// answer a different string for the same secret, against BREACH-style compression attacks. Two
// tokens match when their secrets do; a bare 32-character secret (older Django, and Django 4.1+
// cookies) is accepted as its own secret.
import { randomInt } from 'node:crypto';
import { sameSecret } from '../core/constant-time';
import type { CsrfDialect } from './csrf';

/** Django's alphabet for CSRF secrets and masks (ASCII letters, then digits). */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_LENGTH = 32;
const WELL_FORMED = /^(?:[a-zA-Z0-9]{32}|[a-zA-Z0-9]{64})$/;

/** Django's CSRF_COOKIE_AGE default: 52 weeks, in seconds. */
export const DJANGO_CSRF_COOKIE_AGE = 31449600;

const randomString = (length: number): string => {
  let out = '';
  for (let i = 0; i < length; i += 1) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
};

/** Whether `token` is a Django CSRF token: a 32-character secret or a 64-character masked one. */
export const isDjangoCsrfToken = (token: string): boolean => WELL_FORMED.test(token);

/**
 * The secret `secret` masked with `mask` (both 32 alphabet characters): what Django sends.
 *
 * @example
 *   maskSecret('a'.repeat(32), 'b'.repeat(32)); // 'bbb...b' + 'bbb...b' ('a' is index 0)
 */
export function maskSecret(secret: string, mask: string): string {
  let cipher = '';
  for (let i = 0; i < SECRET_LENGTH; i += 1) cipher += ALPHABET[(ALPHABET.indexOf(secret[i]) + ALPHABET.indexOf(mask[i])) % ALPHABET.length];
  return mask + cipher;
}

/** The secret of a well-formed token (a bare secret is its own), or null for anything else. */
export function secretOf(token: string): string | null {
  if (!isDjangoCsrfToken(token)) return null;
  if (token.length === SECRET_LENGTH) return token;
  let secret = '';
  for (let i = 0; i < SECRET_LENGTH; i += 1) {
    const shifted = ALPHABET.indexOf(token[SECRET_LENGTH + i]) - ALPHABET.indexOf(token[i]);
    secret += ALPHABET[(shifted + ALPHABET.length) % ALPHABET.length];
  }
  return secret;
}

/**
 * A new token as Django 3.2 sets it in the `csrftoken` cookie: a fresh secret, masked.
 *
 * @example
 *   newDjangoCsrfToken(); // 64 characters of [a-zA-Z0-9]
 */
export const newDjangoCsrfToken = (): string => maskSecret(randomString(SECRET_LENGTH), randomString(SECRET_LENGTH));

/**
 * Whether the header's token and the cookie's carry the same secret, compared in constant time.
 * A malformed value on either side never matches (Django replaces it and then refuses).
 *
 * @example
 *   const secret = 'abcdefghijklmnopqrstuvwxyzABCDEF';
 *   djangoTokensMatch(maskSecret(secret, 'M'.repeat(32)), maskSecret(secret, '7'.repeat(32))); // true: same secret
 *   djangoTokensMatch(secret, maskSecret(secret, 'M'.repeat(32))); // true: a bare secret is its own
 */
export function djangoTokensMatch(header: string, cookie: string): boolean {
  const fromHeader = secretOf(header);
  const fromCookie = secretOf(cookie);
  return fromHeader !== null && fromCookie !== null && sameSecret(fromHeader, fromCookie);
}

/**
 * Django 3.2's double submit as DRF reports it: one reason for a missing and a wrong header
 * (Django 4 split it in two), and DRF's `{"detail"}` with no code. Django 3.2 is the version
 * django-easyjwt 1.1 is built and tested against.
 */
export const DJANGO_CSRF: CsrfDialect = {
  matches: djangoTokensMatch,
  missingHeader: 'CSRF token missing or incorrect.',
  wrongHeader: 'CSRF token missing or incorrect.',
  codeInBody: false,
};
