// The CLI holds passwords to the same validators as the endpoints: createuser and changepassword
// print every message and exit 2 for a weak one, and PASSWORD_VALIDATORS from a settings file applies.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from '../support/cli';

const KEY = 'e2e-signing-key-with-more-than-thirty-two-bytes';

describe('the CLI and password validation', function () {
  this.timeout(60000);

  it('createuser refuses a common password or one like the new user, printing the messages, exit 2', async () => {
    const dir = scratchDir();
    const env = { EASYJWT_SIGNING_KEY: KEY, EASYJWT_LOG_LEVEL: 'warn', EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'u.sqlite3')}` };
    const common = await runCli(['createuser', '--email', 'ann@test.com', '--password', '1q2w3e4r'], env, dir);
    expect(common.code).to.equal(2);
    expect(common.stderr).to.equal('easyjwt: This password is too common.\n');
    const both = await runCli(['createuser', '--email', 'ann@test.com', '--password', '1234567'], env, dir);
    expect(both.stderr).to.equal(
      'easyjwt: This password is too short. It must contain at least 8 characters. This password is too common. This password is entirely numeric.\n',
    );
    const similar = await runCli(['createuser', '--email', 'ann@test.com', '--first-name', 'Annabelle', '--password', 'annabelle1'], env, dir);
    expect(similar.code).to.equal(2);
    expect(similar.stderr).to.equal('easyjwt: The password is too similar to the first name.\n');
    // Nothing was created: the same email is still free.
    const created = await runCli(['createuser', '--email', 'ann@test.com', '--password', 'a-long-uncommon-pass'], env, dir);
    expect(created.code, created.stderr).to.equal(0);
  });

  it('changepassword refuses a common password and keeps the old one, exit 2', async () => {
    const dir = scratchDir();
    const env = { EASYJWT_SIGNING_KEY: KEY, EASYJWT_LOG_LEVEL: 'warn', EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'p.sqlite3')}` };
    expect((await runCli(['createuser', '--email', 'c@test.com', '--password', 'old-pass-1'], env, dir)).code).to.equal(0);
    const weak = await runCli(['changepassword', '--email', 'c@test.com', '--password', 'qwertyui'], env, dir);
    expect(weak.code).to.equal(2);
    expect(weak.stderr).to.equal('easyjwt: This password is too common.\n');
    const long = await runCli(['changepassword', '--email', 'c@test.com', '--password', 'x'.repeat(4097)], env, dir);
    expect(long.code).to.equal(2);
    expect(long.stderr).to.equal('easyjwt: Ensure this field has no more than 4096 characters.\n');
    const changed = await runCli(['changepassword', '--email', 'c@test.com', '--password', 'new-pass-1'], env, dir);
    expect(changed.code, changed.stderr).to.equal(0);
    expect(changed.stdout).to.contain('revoked 0 token(s)');
  });

  it('applies PASSWORD_VALIDATORS from a settings file, and refuses a misspelt validator name', async () => {
    const dir = scratchDir();
    const env = { EASYJWT_SIGNING_KEY: KEY, EASYJWT_LOG_LEVEL: 'warn', EASYJWT_DATABASE_URL: `sqlite:${join(dir, 's.sqlite3')}` };
    writeFileSync(join(dir, 'strict.json'), JSON.stringify({ PASSWORD_VALIDATORS: [{ name: 'MinimumLengthValidator', options: { min_length: 16 } }] }));
    const short = await runCli(['createuser', '--config', 'strict.json', '--email', 'ann@test.com', '--password', 'fifteen-chars-1'], env, dir);
    expect(short.code).to.equal(2);
    expect(short.stderr).to.equal('easyjwt: This password is too short. It must contain at least 16 characters.\n');
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ PASSWORD_VALIDATORS: [{ name: 'MinimumLenghtValidator' }] }));
    const typo = await runCli(['createuser', '--config', 'typo.json', '--email', 'ann@test.com', '--password', 'a-long-uncommon-pass'], env, dir);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.contain('Invalid setting PASSWORD_VALIDATORS: entry 1: unknown validator "MinimumLenghtValidator"');
  });
});
