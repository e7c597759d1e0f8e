// The claim registry: registration order, reserved and duplicate keys refused at registration,
// async builders, rebuilding on refresh, and the builders the settings imply.
import { expect } from 'chai';
import type { ClaimUser } from '../../src/core/claims';
import { ClaimRegistry, reservedClaims, settingsClaimBuilders } from '../../src/core/claims';
import { ClaimRegistrationError } from '../../src/errors';

const user: ClaimUser = Object.freeze({
  id: 7,
  isActive: true,
  isStaff: true,
  isSuperuser: false,
  permissions: new Set(['reports.view', 'app.edit']),
  data: Object.freeze({ id: 7, email: 'ada@test.com', first_name: 'Ada', tenant: 'acme' }),
  login: 'ada@test.com',
});
const obtain = { event: 'obtain' as const, request: null };
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ClaimRegistry', () => {
  it('writes claims in registration order, whatever order async builders finish in', async () => {
    const registry = new ClaimRegistry()
      .register({ key: 'slow', build: async () => (await delay(20), 'first') })
      .register({ key: 'sync', build: () => 'second' })
      .register({ key: 'fast', build: async () => 'third' });
    const claims = await registry.build(user, obtain);
    expect(Object.keys(claims)).to.deep.equal(['slow', 'sync', 'fast']);
    expect(claims).to.deep.equal({ slow: 'first', sync: 'second', fast: 'third' });
  });

  it('gives builders the user and the context, and leaves out claims built as undefined', async () => {
    const seen: unknown[] = [];
    const registry = new ClaimRegistry()
      .register({ key: 'tenant', build: (u, context) => (seen.push(context.event), u.data.tenant) })
      .register({ key: 'nickname', build: () => undefined });
    expect(await registry.build(user, obtain)).to.deep.equal({ tenant: 'acme' });
    expect(seen).to.deep.equal(['obtain']);
  });

  for (const key of ['token_type', 'exp', 'iat', 'jti', 'user_id', 'aud', 'iss', 'nbf', 'sub', 'hash_password']) {
    it(`refuses to register the reserved claim "${key}", naming it`, () => {
      expect(() => new ClaimRegistry().register({ key, build: () => 1 }))
        .to.throw(ClaimRegistrationError, `Claim "${key}" is reserved`)
        .with.property('key', key);
    });
  }

  it('refuses a key registered twice, naming it, and keeps the first builder', async () => {
    const registry = new ClaimRegistry().register({ key: 'tenant', build: () => 'a' });
    expect(() => registry.register({ key: 'tenant', build: () => 'b' })).to.throw(ClaimRegistrationError, 'Claim "tenant" is registered twice');
    expect(await registry.build(user, obtain)).to.deep.equal({ tenant: 'a' });
  });

  it('refuses a builder without a key or a build function', () => {
    expect(() => new ClaimRegistry().register({ key: '', build: () => 1 })).to.throw(ClaimRegistrationError, 'not a claim name');
    expect(() => new ClaimRegistry().register({ key: 'x' } as never)).to.throw(ClaimRegistrationError, 'has no build');
  });

  it('checks the configured claim names when combined: a custom USER_ID_CLAIM is reserved too', () => {
    const reserved = reservedClaims({ TOKEN_TYPE_CLAIM: 'typ', JTI_CLAIM: 'id', USER_ID_CLAIM: 'uid', REVOKE_TOKEN_CLAIM: 'pw' });
    const mine = new ClaimRegistry().register({ key: 'uid', build: () => 1 });
    expect(() => ClaimRegistry.combine(reserved, mine)).to.throw(ClaimRegistrationError, 'Claim "uid" is reserved');
  });

  it('refuses a builder that duplicates a claim the settings already build', () => {
    const fromSettings = settingsClaimBuilders({ USER_CLAIMS: ['email'], USER_PAYLOAD_CLAIM: null, LOGIN_FIELD: 'email' });
    expect(() =>
      ClaimRegistry.combine(
        reservedClaims({ TOKEN_TYPE_CLAIM: 'token_type', JTI_CLAIM: 'jti', USER_ID_CLAIM: 'user_id', REVOKE_TOKEN_CLAIM: 'hash_password' }),
        fromSettings,
        [{ key: 'email', build: () => 'x' }],
      ),
    ).to.throw(ClaimRegistrationError, 'Claim "email" is registered twice');
  });

  it('rebuilds only the claims whose builders ask, and removes those rebuilt as undefined', async () => {
    let plan: string | undefined = 'gold';
    const registry = new ClaimRegistry()
      .register({ key: 'tenant', build: (u) => u.data.tenant })
      .register({ key: 'plan', build: async () => plan, rebuildOnRefresh: true });
    expect(registry.rebuildsOnRefresh).to.equal(true);
    plan = 'silver';
    expect(await registry.rebuild(user, { event: 'refresh', request: null })).to.deep.equal({ plan: 'silver' });
    plan = undefined;
    const rebuilt = await registry.rebuild(user, { event: 'refresh', request: null });
    expect(Object.keys(rebuilt)).to.deep.equal(['plan']);
    expect(rebuilt.plan).to.equal(undefined);
    expect(new ClaimRegistry().register({ key: 'tenant', build: () => 1 }).rebuildsOnRefresh).to.equal(false);
  });

  it('refuses a value a JSON token cannot carry, naming the claim', async () => {
    const registry = new ClaimRegistry().register({ key: 'big', build: () => 10n });
    let error: unknown;
    await registry.build(user, obtain).catch((caught: unknown) => (error = caught));
    expect(error).to.be.instanceOf(ClaimRegistrationError).with.property('key', 'big');
  });

  it("turns USER_CLAIMS and USER_PAYLOAD_CLAIM into builders: fields copied, then djwto's user claim", async () => {
    const builders = settingsClaimBuilders({ USER_CLAIMS: ['email', 'first_name'], USER_PAYLOAD_CLAIM: 'user', LOGIN_FIELD: 'email' });
    const registry = ClaimRegistry.combine(
      reservedClaims({ TOKEN_TYPE_CLAIM: 'token_type', JTI_CLAIM: 'jti', USER_ID_CLAIM: 'user_id', REVOKE_TOKEN_CLAIM: 'hash_password' }),
      builders,
    );
    const claims = await registry.build(user, obtain);
    expect(claims).to.deep.equal({
      email: 'ada@test.com',
      first_name: 'Ada',
      user: { id: 7, email: 'ada@test.com', is_staff: true, is_superuser: false, perms: ['app.edit', 'reports.view'] },
    });
    expect(builders.every((builder) => builder.rebuildOnRefresh)).to.equal(true);
  });
});
