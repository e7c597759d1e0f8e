// The shape checks a compact JWS passes before any key or JSON is touched. Base64url must be
// canonical: Node's decoder ignores the unused low bits of the last character, so without this
// check one signature has several spellings (RS256's last character has four unused bits), and a
// token could be altered, and still verify, after its jti was blacklisted by its exact text.

/** Longest token accepted, in characters: ours are well under 2 KiB even with a user payload. */
export const MAX_TOKEN_LENGTH = 8192;

/** Three non-empty base64url segments: no padding, no whitespace, no empty signature (`alg: none`). */
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The 6-bit value of a base64url character (garbage for any other: the alphabet is checked elsewhere). */
function sextet(code: number): number {
  if (code >= 97) return code - 71; // a-z: 26..51
  if (code >= 65) return code - 65; // A-Z: 0..25
  if (code >= 48) return code + 4; // 0-9: 52..61
  return code === 45 ? 62 : 63; // '-' and '_'
}

/** Whether the base64url text from `start` to `end` is the one spelling of its bytes. */
function canonicalSegment(token: string, start: number, end: number): boolean {
  const rest = (end - start) % 4;
  if (rest === 0) return true;
  if (rest === 1) return false; // no byte string encodes to this length
  // Two characters carry 8 bits (4 unused), three carry 16 (2 unused); unused bits must be zero.
  return (sextet(token.charCodeAt(end - 1)) & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Why `token` is not a well-formed compact JWS in canonical base64url, or null when it is.
 *
 * @example
 *   compactJwsProblem('a.b.c'); // 'segment 1 is not canonical base64url'
 */
export function compactJwsProblem(token: string): string | null {
  if (!COMPACT.test(token)) return 'not three base64url segments';
  return spellingProblem(token);
}

/**
 * compactJwsProblem without the alphabet check, for callers whose JWS library checks the alphabet
 * anyway (jws does, before it decodes): the length, three non-empty segments, canonical endings.
 */
export function spellingProblem(token: string): string | null {
  if (token.length > MAX_TOKEN_LENGTH) return `token is longer than ${MAX_TOKEN_LENGTH} characters`;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 1 || second < first + 2 || second >= token.length - 1 || token.indexOf('.', second + 1) !== -1) return 'not three base64url segments';
  if (!canonicalSegment(token, 0, first)) return 'segment 1 is not canonical base64url';
  if (!canonicalSegment(token, first + 1, second)) return 'segment 2 is not canonical base64url';
  if (!canonicalSegment(token, second + 1, token.length)) return 'segment 3 is not canonical base64url';
  return null;
}
