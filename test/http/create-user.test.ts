// POST /auth/create-user/: django-easyjwt's sign-up behind CREATE_USER_ENABLED. The answer and the
// row written, every field's problem in DRF's words, taken emails (case variants and races
// included), bodies of the wrong shape, the per-address count, and the new user logging in.
import { expect } from 'chai';
import { User } from '../../src/entities';
import type { AuthServiceEvents } from '../../src/events';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const PASSWORD = 'a-good-long-pass';
const TAKEN = { email: ['This email already exists.'] };
const REQUIRED = ['This field is required.'];

/** The DRF headers and the exact content type every answer of the endpoint carries. */
function expectDrfAnswer(response: TestResponse, status: number): void {
  expect(response.status, response.text).to.equal(status);
  expect(response.headers.get('content-type')).to.equal('application/json');
  expect(response.headers.get('allow')).to.equal('POST, OPTIONS');
  expect(response.headers.get('vary')).to.equal('Accept');
  expect(response.headers.get('cache-control')).to.equal('no-store');
}

forEachDialect((dialect) => {
  describe('POST /auth/create-user/', () => {
    let auth: TestAuthService;

    const signUp = (body: unknown, headers: Record<string, string> = {}) => auth.post('/auth/create-user/', body, headers);
    const rows = () => auth.service.dataSource.manager.find(User, { order: { id: 'ASC' } });

    describe('with CREATE_USER_ENABLED', () => {
      beforeEach(async () => {
        auth = await startAuthService(dialect, { CREATE_USER_ENABLED: true });
      });
      afterEach(async () => auth.close());

      it('answers 201 with the new user, never the password, and stores a scrypt hash', async () => {
        const response = await signUp({ email: 'ann@test.com', password: PASSWORD, first_name: 'Ann', last_name: 'Lee', phone: '+61 400 000 000' });
        expectDrfAnswer(response, 201);
        expect(response.text).to.equal('{"id":1,"email":"ann@test.com","first_name":"Ann","last_name":"Lee","phone":"+61 400 000 000"}');
        const [row] = await rows();
        expect(row).to.include({ id: 1, email: 'ann@test.com', firstName: 'Ann', lastName: 'Lee', phone: '+61 400 000 000' });
        expect(row).to.include({ isActive: true, isStaff: false, isSuperuser: false, username: null, lastLogin: null });
        expect(row.password).to.match(/^scrypt\$/);
        expect(row.password).to.not.contain(PASSWORD);
      });

      it("answers names as '' and phone as null when they are left out, as easyjwt's model does", async () => {
        const response = await signUp({ email: 'ann@test.com', password: PASSWORD });
        expectDrfAnswer(response, 201);
        expect(response.body).to.deep.equal({ id: 1, email: 'ann@test.com', first_name: '', last_name: '', phone: null });
        expect((await rows())[0]).to.include({ firstName: '', lastName: '', phone: null });
      });

      it('keeps blank names and phone as "" and an explicit null phone as null', async () => {
        expect((await signUp({ email: 'a@test.com', password: PASSWORD, first_name: ' ', last_name: '', phone: '  ' })).body).to.deep.equal({
          id: 1,
          email: 'a@test.com',
          first_name: '',
          last_name: '',
          phone: '',
        });
        expect((await signUp({ email: 'b@test.com', password: PASSWORD, phone: null })).body.phone).to.equal(null);
      });

      it('takes names of 150 characters counted as Python counts them, four-byte ones included', async () => {
        const name = '😀'.repeat(150);
        const response = await signUp({ email: 'emoji@test.com', password: PASSWORD, first_name: name, last_name: 'é'.repeat(150), phone: '😀'.repeat(15) });
        expectDrfAnswer(response, 201);
        expect((await rows())[0]).to.include({ firstName: name, lastName: 'é'.repeat(150), phone: '😀'.repeat(15) });
      });

      it('stores the email trimmed and lower-cased, and the new user logs in with it in any case', async () => {
        const response = await signUp({ email: '  Ann.Lee@Test.COM ', password: PASSWORD });
        expectDrfAnswer(response, 201);
        expect(response.body.email).to.equal('ann.lee@test.com');
        const login = await auth.post('/auth/token/', { email: 'ANN.LEE@test.com', password: PASSWORD });
        expect(login.status, login.text).to.equal(200);
        const me = await auth.get('/auth/user/', { Authorization: `Bearer ${login.body.access}` });
        // The user endpoints answer easyjwt's keys, as before: phone is not among them.
        expect(Object.keys(me.body)).to.deep.equal([
          'id',
          'first_name',
          'email',
          'last_name',
          'date_joined',
          'last_login',
          'is_active',
          'is_staff',
          'is_superuser',
        ]);
        expect(me.body).to.include({ id: response.body.id, email: 'ann.lee@test.com' });
      });

      it('ignores fields it does not take: no one makes themselves staff', async () => {
        const response = await signUp({ email: 'eve@test.com', password: PASSWORD, is_staff: true, is_superuser: true, is_active: false, id: 77 });
        expectDrfAnswer(response, 201);
        expect(response.body.id).to.equal(1);
        expect((await rows())[0]).to.include({ id: 1, isStaff: false, isSuperuser: false, isActive: true });
      });

      it('takes a form-encoded body as DRF does', async () => {
        const form = new URLSearchParams({ email: 'form@test.com', password: PASSWORD, last_name: 'Form' }).toString();
        const response = await signUp(form, { 'Content-Type': 'application/x-www-form-urlencoded' });
        expectDrfAnswer(response, 201);
        expect(response.body).to.deep.equal({ id: 1, email: 'form@test.com', first_name: '', last_name: 'Form', phone: null });
      });

      it('announces signedUp with the new id and the request', async () => {
        const seen: AuthServiceEvents['signedUp'][] = [];
        auth.service.events.on('signedUp', (event) => void seen.push(event));
        await signUp({ email: 'ann@test.com', password: PASSWORD });
        await signUp({ email: 'ann@test.com', password: PASSWORD });
        expect(seen).to.have.length(1);
        expect(seen[0].userId).to.equal(1);
        expect(seen[0].request).to.include({ ip: '127.0.0.1', method: 'POST', path: '/auth/create-user/' });
      });

      describe('refuses, with every field problem in DRF words and nothing written', () => {
        const cases: [string, unknown, Record<string, string[]>][] = [
          ['an empty object', {}, { email: REQUIRED, password: REQUIRED }],
          ['a missing password', { email: 'ann@test.com' }, { password: REQUIRED }],
          [
            'a blank email and password',
            { email: '  ', password: '' },
            { email: ['This field may not be blank.'], password: ['This field may not be blank.'] },
          ],
          ['a bad email', { email: 'not-an-email', password: PASSWORD }, { email: ['Enter a valid email address.'] }],
          [
            'an email over 254 characters',
            { email: `${'a'.repeat(250)}@test.com`, password: PASSWORD },
            { email: ['Ensure this field has no more than 254 characters.'] },
          ],
          [
            'a weak password, with the missing email too',
            { password: '1234567' },
            {
              email: REQUIRED,
              password: [
                'This password is too short. It must contain at least 8 characters.',
                'This password is too common.',
                'This password is entirely numeric.',
              ],
            },
          ],
          [
            'a password like the email',
            { email: 'sunflower.garden@test.com', password: 'sunflower.garden' },
            { password: ['The password is too similar to the email address.'] },
          ],
          [
            'a password over 4096 characters',
            { email: 'ann@test.com', password: 'x'.repeat(5000) },
            { password: ['Ensure this field has no more than 4096 characters.'] },
          ],
          [
            'names over 150 characters and a phone over 15',
            { email: 'ann@test.com', password: PASSWORD, first_name: 'a'.repeat(151), last_name: 'é'.repeat(151), phone: '0'.repeat(16) },
            {
              first_name: ['Ensure this field has no more than 150 characters.'],
              last_name: ['Ensure this field has no more than 150 characters.'],
              phone: ['Ensure this field has no more than 15 characters.'],
            },
          ],
          [
            'null, numbers-as-text aside, and values that are not strings',
            { email: null, password: ['x'], first_name: null, last_name: { a: 1 }, phone: true },
            {
              email: ['This field may not be null.'],
              password: ['Not a valid string.'],
              first_name: ['This field may not be null.'],
              last_name: ['Not a valid string.'],
              phone: ['Not a valid string.'],
            },
          ],
          [
            'a NUL character and a lone surrogate',
            { email: 'ann@test.com', password: PASSWORD, first_name: 'A\u0000nn', phone: '12\ud800' },
            { first_name: ['Null characters are not allowed.'], phone: ['Surrogate characters are not allowed: U+D800.'] },
          ],
          ['a list body', [{ email: 'ann@test.com', password: PASSWORD }], { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }],
        ];
        for (const [name, body, expected] of cases) {
          it(`${name}: 400 ${JSON.stringify(expected).slice(0, 80)}`, async () => {
            const response = await signUp(body);
            expectDrfAnswer(response, 400);
            expect(response.text).to.equal(JSON.stringify(expected));
            expect(await rows()).to.deep.equal([]);
          });
        }
      });

      it('takes numbers as text, as DRF CharFields do', async () => {
        const response = await signUp({ email: 'num@test.com', password: PASSWORD, phone: 61400000000, first_name: 7 });
        expectDrfAnswer(response, 201);
        expect(response.body).to.include({ phone: '61400000000', first_name: '7' });
      });

      it('refuses malformed JSON, and JSON neither object nor list, with the parse error every endpoint gives, not a 500', async () => {
        for (const body of ['{"email": ', '"ann@test.com"', '42', 'null']) {
          const response = await signUp(body);
          expect(response.status, body).to.equal(400);
          expect(response.headers.get('content-type')).to.equal('application/json');
          expect(response.body.detail, body).to.match(/^JSON parse error - /);
        }
        expect(await rows()).to.deep.equal([]);
      });

      it("refuses a taken email, in easyjwt's words, in any case and spacing, with the password's problems too", async () => {
        await auth.createUser({ email: 'ann@test.com' });
        for (const email of ['ann@test.com', 'ANN@Test.com', ' Ann@test.com ']) {
          const response = await signUp({ email, password: PASSWORD });
          expectDrfAnswer(response, 400);
          expect(response.text).to.equal(JSON.stringify(TAKEN));
        }
        const both = await signUp({ email: 'Ann@test.com', password: 'Xq7#wv' });
        expect(both.body).to.deep.equal({ ...TAKEN, password: ['This password is too short. It must contain at least 8 characters.'] });
        expect((await rows()).map((row) => row.email)).to.deep.equal(['ann@test.com']);
      });

      it('gives one 201 and 400s to the same email signed up at once, in any case, never a 500', async () => {
        for (const [round, emails] of [
          ['race@test.com', 'race@test.com'],
          ['twin@test.com', 'TWIN@test.com', 'Twin@Test.com', 'twin@test.com'],
        ].entries()) {
          const answers = await Promise.all(emails.map((email) => signUp({ email, password: PASSWORD })));
          const statuses = answers.map((answer) => answer.status).sort();
          expect(statuses, `round ${round}: ${answers.map((answer) => answer.text).join(' ')}`).to.deep.equal([201, ...emails.slice(1).map(() => 400)]);
          for (const answer of answers.filter((answer) => answer.status === 400)) expect(answer.body).to.deep.equal(TAKEN);
        }
        expect((await rows()).map((row) => row.email)).to.deep.equal(['race@test.com', 'twin@test.com']);
      });

      it('answers OPTIONS and other methods as a DRF view does', async () => {
        const get = await auth.get('/auth/create-user/');
        expect(get.status).to.equal(405);
        expect(get.body).to.deep.equal({ detail: 'Method "GET" not allowed.' });
        expect(get.headers.get('allow')).to.equal('POST, OPTIONS');
        expect(get.headers.get('vary')).to.equal('Accept');
      });
    });

    describe('with CREATE_USER_ENABLED and LOGIN_THROTTLE_PER_IP "3/1m"', () => {
      beforeEach(async () => {
        auth = await startAuthService(dialect, { CREATE_USER_ENABLED: true, LOGIN_THROTTLE_PER_IP: '3/1m' });
      });
      afterEach(async () => auth.close());

      it('counts every sign-up of an address, good or refused, and refuses the next with 429 before any work', async () => {
        expect((await signUp({ email: 'a@test.com', password: PASSWORD })).status).to.equal(201);
        expect((await signUp({ email: 'a@test.com', password: PASSWORD })).status).to.equal(400);
        expect((await signUp({})).status).to.equal(400);
        const refused = await signUp({ email: 'b@test.com', password: PASSWORD });
        expectDrfAnswer(refused, 429);
        const wait = Number(refused.headers.get('retry-after'));
        expect(wait).to.be.within(1, 60);
        expect(refused.body).to.deep.equal({ detail: `Request was throttled. Expected available in ${wait} seconds.`, code: 'throttled' });
        expect((await rows()).map((row) => row.email)).to.deep.equal(['a@test.com']);
      });

      it('keeps its count apart from the login count of the same address', async () => {
        await auth.createUser({ email: 'user@test.com' });
        for (let i = 0; i < 3; i++) await signUp({ email: `s${i}@test.com`, password: PASSWORD });
        expect((await signUp({ email: 's9@test.com', password: PASSWORD })).status).to.equal(429);
        // Wrong passwords are counted on the login counter only, which the sign-ups left untouched.
        for (let i = 0; i < 3; i++) expect((await auth.post('/auth/token/', { email: 'user@test.com', password: 'wrong-pass' })).status).to.equal(401);
        expect((await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' })).status).to.equal(429);
      });
    });

    describe('without CREATE_USER_ENABLED (the default)', () => {
      beforeEach(async () => {
        auth = await startAuthService(dialect);
      });
      afterEach(async () => auth.close());

      it('answers the 404 of an unknown path and creates no one', async () => {
        const response = await signUp({ email: 'ann@test.com', password: PASSWORD });
        expect(response.status).to.equal(404);
        expect(response.text).to.equal('{"detail":"Not found."}');
        expect(response.headers.get('content-type')).to.equal('application/json');
        expect(await rows()).to.deep.equal([]);
      });
    });
  });
});
