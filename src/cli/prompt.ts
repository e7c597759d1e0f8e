// Asking for a password on a terminal without echoing it, as Django's createsuperuser does.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError } from '../errors';

/**
 * Reads one line from stdin with echo off. Refuses when stdin is not a terminal, so a script that
 * forgot --password fails clearly instead of hanging.
 */
export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError('no --password given and stdin is not a terminal to ask on');
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    process.stderr.write(question);
    muted = true;
    const answer = await new Promise<string>((resolve) => rl.question('', resolve));
    process.stderr.write('\n');
    return answer;
  } finally {
    rl.close();
  }
}

/** Asks twice and insists the answers match. */
export async function promptNewPassword(): Promise<string> {
  const first = await promptHidden('Password: ');
  const second = await promptHidden('Password (again): ');
  if (first !== second) throw new UsageError('the two passwords did not match');
  return first;
}
