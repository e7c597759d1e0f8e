// Password validation wherever a password is set, as configured: PASSWORD_VALIDATORS with options,
// an application's own validators, users.create refusing with every message, and the common list
// loaded on first use only.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { PasswordValidator } from '../../src/core/password-validators';
import { PasswordRefused } from '../../src/errors';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';

const noCompanyName: PasswordValidator = {
  validate: async (password) => (/acme/i.test(password) ? ['The password may not contain the company name.'] : []),
};

describe('password validators as configured', () => {
  let auth: TestAuthService | undefined;
  afterEach(async () => {
    await auth?.close();
    auth = undefined;
  });

  const change = (newPassword: string) =>
    auth!.post('/auth/password-change/', { email: 'user@test.com', password: 'user-pass-long', new_password: newPassword });

  it("answers the configured validators' messages: a minimum of 12, the application's own after them", async () => {
    auth = await startAuthService(
      'sqlite',
      { PASSWORD_VALIDATORS: [{ name: 'MinimumLengthValidator', options: { min_length: 12 } }] },
      { passwordValidators: [noCompanyName] },
    );
    await auth.createUser({ email: 'user@test.com', password: 'user-pass-long' });
    const response = await change('acme-rocks');
    expect(response.status).to.equal(400);
    expect(response.body).to.deep.equal({
      new_password: ['This password is too short. It must contain at least 12 characters.', 'The password may not contain the company name.'],
    });
    // Only the configured ones: a common password of twelve characters passes.
    expect((await change('qwertyuiop12')).status).to.equal(200);
  });

  it('with PASSWORD_VALIDATORS [] keeps only the length cap and the blank check', async () => {
    auth = await startAuthService('sqlite', { PASSWORD_VALIDATORS: [] });
    await auth.createUser({ email: 'user@test.com', password: '1' });
    expect((await auth.post('/auth/password-change/', { email: 'user@test.com', password: '1', new_password: '2' })).status).to.equal(200);
    const blank = await auth.post('/auth/password-change/', { email: 'user@test.com', password: '2', new_password: '   ' });
    expect(blank.body).to.deep.equal({ new_password: ['This field may not be blank.'] });
  });

  it('users.create refuses with PasswordRefused listing every message, judged against the new user', async () => {
    auth = await startAuthService('sqlite', {}, { passwordValidators: [noCompanyName] });
    const refusal = await auth.service.users.create({ email: 'acme.boss@test.com', password: 'acmeboss@test' }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).to.be.instanceOf(PasswordRefused);
    expect((refusal as PasswordRefused).problems).to.deep.equal([
      'The password is too similar to the email address.',
      'The password may not contain the company name.',
    ]);
    expect((refusal as PasswordRefused).message).to.equal('The password is too similar to the email address. The password may not contain the company name.');
    const common = await auth.service.users.create({ email: 'ann@test.com', password: '1q2w3e4r' }).catch((error: unknown) => error);
    expect((common as PasswordRefused).problems).to.deep.equal(['This password is too common.']);
    expect(await auth.service.users.list()).to.have.length(0);
  });

  it('issuer.setPassword judges the new password against the stored user', async () => {
    auth = await startAuthService('sqlite');
    const id = await auth.createUser({ email: 'user@test.com', firstName: 'Annabelle' });
    const refusal = await auth.service.issuer.setPassword(id, 'Annabelle!').catch((error: unknown) => error);
    expect((refusal as { fields?: unknown }).fields).to.deep.equal({ new_password: ['The password is too similar to the first name.'] });
  });
});

describe('the common-password list', () => {
  it('is loaded by the first password check, not by starting the service or by other endpoints', async () => {
    const dist = join(__dirname, '..', '..', 'src');
    // A process of its own: in this one an earlier test has loaded the list already.
    const program = `
      const { createAuthService } = require(${JSON.stringify(join(dist, 'services', 'auth-service'))});
      const { commonPasswordsLoaded } = require(${JSON.stringify(join(dist, 'core', 'common-passwords'))});
      (async () => {
        const service = await createAuthService({ settings: { SIGNING_KEY: 'k'.repeat(32), DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent', PASSWORD_SCRYPT_N: 1024 } });
        const { url } = await service.listen(0, '127.0.0.1');
        const seen = [commonPasswordsLoaded()];
        const post = (path, body) => fetch(url + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        await post('/auth/token/', { email: 'nobody@test.com', password: 'whatever-pass' });
        await fetch(url + '/auth/user/');
        await post('/auth/password-change/', { email: 'nobody@test.com', password: 'x', new_password: 'a-new-long-pass' });
        seen.push(commonPasswordsLoaded(), Object.keys(require.cache).some((file) => file.includes('language-common')));
        await service.users.create({ email: 'ann@test.com', password: 'a-new-long-pass' });
        seen.push(commonPasswordsLoaded());
        console.log(JSON.stringify(seen));
        process.exit(0);
      })();`;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', program], { timeout: 20000 }, (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(stdout),
      );
    });
    expect(JSON.parse(output.trim())).to.deep.equal([false, false, false, true]);
  });
});
