// What a token codec says when it refuses a token: the client always sees the one message; the
// reason travels in `cause`, which is what the token tests assert on.
import { expect } from 'chai';
import type { TokenCodec } from '../../src/core/tokens';
import { causeText, InvalidToken } from '../../src/errors';

/** The reason `codec` refuses `token` (failing the test when it accepts it). */
export function refusal(codec: TokenCodec, token: string): string {
  try {
    codec.verify(token);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidToken);
    expect((error as InvalidToken).message).to.equal(InvalidToken.INVALID);
    return causeText(error as InvalidToken) ?? '';
  }
  throw new Error(`expected ${token.slice(0, 40)}... to be refused`);
}
