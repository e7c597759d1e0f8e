// What the factories take as already resolved: only what resolveSettings / resolveClientSettings
// returned. A frozen plain object, or a copy of resolved settings, is raw input and checked first.
import { expect } from 'chai';
import { createAuthService } from '../../src/services/auth-service';
import { resolveClientSettings } from '../../src/client-service/client-settings';
import { createClientService } from '../../src/services/client-service';
import { SettingsError } from '../../src/errors';
import { resolveSettings } from '../../src/settings';
import { testSettings } from '../support/auth-service';

const AUTH_RAW = { ...testSettings(), DATABASE_URL: 'sqlite::memory:' };
const CLIENT_RAW = { REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:9', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' as const };

/** The SettingsError `build` fails with; a service built instead is closed, and the test fails. */
async function refusal(build: () => Promise<{ close(): Promise<void> }>): Promise<SettingsError> {
  let built: { close(): Promise<void> };
  try {
    built = await build();
  } catch (error) {
    expect(error).to.be.instanceOf(SettingsError);
    return error as SettingsError;
  }
  await built.close();
  throw new Error('expected the settings to be refused');
}

describe('settings handed to createAuthService', () => {
  it('checks a frozen plain object instead of taking it for resolved settings', async () => {
    // Raw, as from a config file: the input type would refuse the value at compile time.
    const raw: Readonly<Record<string, unknown>> = Object.freeze({ ...AUTH_RAW, DELIVERY_MODE: 'tow-cookies' });
    const error = await refusal(() => createAuthService({ settings: raw }));
    expect(error.key).to.equal('DELIVERY_MODE');
  });

  it('resolves a frozen plain object with good values, durations and all', async () => {
    const raw = Object.freeze({ ...AUTH_RAW, ACCESS_TOKEN_LIFETIME: '10m' as const });
    const service = await createAuthService({ settings: raw });
    try {
      expect(service.settings).to.not.equal(raw);
      expect(service.settings.ACCESS_TOKEN_LIFETIME).to.equal(600);
    } finally {
      await service.close();
    }
  });

  it('uses resolved settings as they are', async () => {
    const settings = resolveSettings(AUTH_RAW);
    const service = await createAuthService({ settings });
    try {
      expect(service.settings).to.equal(settings);
    } finally {
      await service.close();
    }
  });

  it('checks a copy of resolved settings again, refusing a bad value and resolving a good one', async () => {
    const settings = resolveSettings(AUTH_RAW);
    const bad: Record<string, unknown> = { ...settings, DELIVERY_MODE: 'tow-cookies' };
    expect((await refusal(() => createAuthService({ settings: bad }))).key).to.equal('DELIVERY_MODE');
    const good = { ...settings, LEEWAY: '5s' as const };
    const service = await createAuthService({ settings: good });
    try {
      expect(service.settings).to.not.equal(good);
      expect(service.settings.LEEWAY).to.equal(5);
      expect(Object.isFrozen(service.settings)).to.equal(true);
    } finally {
      await service.close();
    }
  });
});

describe('settings handed to createClientService', () => {
  it('checks a frozen plain object instead of taking it for resolved settings', async () => {
    const raw: Readonly<Record<string, unknown>> = Object.freeze({ ...CLIENT_RAW, TOKEN_VERIFICATION: 'sometimes' });
    const error = await refusal(() => createClientService({ settings: raw }));
    expect(error.key).to.equal('TOKEN_VERIFICATION');
  });

  it('uses resolved settings as they are, and checks a copy of them again', async () => {
    const settings = resolveClientSettings(CLIENT_RAW);
    const service = await createClientService({ settings });
    try {
      expect(service.settings).to.equal(settings);
    } finally {
      await service.close();
    }
    const bad: Record<string, unknown> = { ...settings, REMOTE_AUTH_REQUEST_TIMEOUT: 0 };
    expect((await refusal(() => createClientService({ settings: bad }))).key).to.equal('REMOTE_AUTH_REQUEST_TIMEOUT');
  });
});
