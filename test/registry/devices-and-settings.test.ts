// Unit tests without a database: user-agent parsing and the registry's settings.
import { expect } from 'chai';
import { SettingsError } from '../../src/errors';
import { describeDevice } from '../../src/registry/devices';
import { resolveSettings, reuseDetection } from '../../src/settings';
import { TEST_KEY } from '../support/auth-service';

describe('describeDevice', () => {
  it('parses browser, OS and kind of device from common agents', () => {
    const android = describeDevice('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36');
    expect(android).to.include({ browser: 'Chrome 131.0.0.0', os: 'Android 14', deviceType: 'mobile' });
    const ipad = describeDevice(
      'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
    );
    expect(ipad).to.include({ browser: 'Safari 17.0', deviceType: 'tablet' });
    const firefox = describeDevice('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0');
    expect(firefox).to.include({ browser: 'Firefox 133.0', os: 'Linux', deviceType: 'desktop' });
  });

  it('keys devices by a SHA-256 of the whole agent and cuts what the columns cannot hold', () => {
    const long = `Mozilla/5.0 ${'x'.repeat(2000)}`;
    const device = describeDevice(long);
    expect(device.fingerprint).to.match(/^[0-9a-f]{64}$/);
    expect(device.userAgent).to.have.length(512);
    expect(describeDevice(long + 'y').fingerprint).to.not.equal(device.fingerprint);
    expect(describeDevice(null)).to.deep.equal(describeDevice(''));
    expect(describeDevice(null)).to.include({ userAgent: '', browser: '', os: '', deviceType: '' });
  });
});

describe('the registry settings', () => {
  it('default to the registry on, reuse detection following rotation, a 5 s grace window and no proxies', () => {
    const settings = resolveSettings({ SIGNING_KEY: TEST_KEY });
    expect(settings).to.include({
      REGISTRY_ENABLED: true,
      REGISTRY_AFTER_RESPONSE: false,
      TOKEN_EXPIRE_ON_REFRESH: false,
      REFRESH_TOKEN_REUSE_DETECTION: null,
      ROTATION_GRACE_PERIOD: 5,
      SESSION_MAX_LIFETIME: null,
      NUM_PROXIES: 0,
    });
    expect(reuseDetection(settings)).to.equal(false);
    expect(reuseDetection(resolveSettings({ SIGNING_KEY: TEST_KEY, ROTATE_REFRESH_TOKENS: true }))).to.equal(true);
    expect(reuseDetection(resolveSettings({ SIGNING_KEY: TEST_KEY, ROTATE_REFRESH_TOKENS: true, REFRESH_TOKEN_REUSE_DETECTION: 'false' }))).to.equal(false);
    expect(resolveSettings({ SIGNING_KEY: TEST_KEY, SESSION_MAX_LIFETIME: '30d', ROTATION_GRACE_PERIOD: '10s' })).to.include({
      SESSION_MAX_LIFETIME: 2592000,
      ROTATION_GRACE_PERIOD: 10,
    });
  });

  it('refuse bad values naming the key', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ NUM_PROXIES: -1 }, 'NUM_PROXIES'],
      [{ NUM_PROXIES: 'two' }, 'NUM_PROXIES'],
      [{ ROTATION_GRACE_PERIOD: 'soon' }, 'ROTATION_GRACE_PERIOD'],
      [{ SESSION_MAX_LIFETIME: 0 }, 'SESSION_MAX_LIFETIME'],
      [{ REFRESH_TOKEN_REUSE_DETECTION: 'sometimes' }, 'REFRESH_TOKEN_REUSE_DETECTION'],
      [{ REGISTRY_ENABLED: 'yes' }, 'REGISTRY_ENABLED'],
    ];
    for (const [input, key] of cases) {
      expect(() => resolveSettings({ SIGNING_KEY: TEST_KEY, ...input }), key).to.throw(SettingsError, `Invalid setting ${key}`);
    }
  });
});
