// Comparisons of secrets (password hashes, CSRF tokens) in time that does not depend on where
// the two values first differ.
import { timingSafeEqual } from 'node:crypto';

/**
 * Equal buffers. timingSafeEqual needs equal lengths; the values compared here have a fixed
 * length, so a length mismatch reveals nothing an attacker does not know already.
 */
export const sameBytes = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** Equal strings, compared as their UTF-8 bytes. */
export const sameSecret = (a: string, b: string): boolean => sameBytes(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
