// What a User-Agent says about the device a login came from, parsed once at login with bowser
// (maintained, small, MIT: no user-agent regexes of our own to keep up with new browsers).
import { createHash } from 'node:crypto';
import Bowser from 'bowser';

/** A device as the sessions list shows it. */
export interface DeviceInfo {
  /** The User-Agent cut to what the column holds. */
  readonly userAgent: string;
  /** SHA-256 of the whole User-Agent: one device row per user and agent. */
  readonly fingerprint: string;
  /** `Chrome 131.0.0.0`, or `` when the agent does not say. */
  readonly browser: string;
  /** `macOS 10.15.7`, `Android 14`, ... */
  readonly os: string;
  /** `desktop`, `mobile`, `tablet`, `tv`, `bot`, or ``. */
  readonly deviceType: string;
}

const joined = (name: string | undefined, version: string | undefined, max: number): string =>
  [name, version]
    .filter((part) => part)
    .join(' ')
    .slice(0, max);

/**
 * Parses a User-Agent (null or empty: an unknown device, still one row per user).
 *
 * @example
 *   describeDevice('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) ... Mobile/15E148 Safari/604.1');
 *   // { browser: 'Safari 17.0', os: 'iOS 17.0', deviceType: 'mobile', ... }
 */
export function describeDevice(userAgent: string | null): DeviceInfo {
  const agent = userAgent ?? '';
  const fingerprint = createHash('sha256').update(agent).digest('hex');
  if (!agent) return { userAgent: '', fingerprint, browser: '', os: '', deviceType: '' };
  const parsed = Bowser.parse(agent);
  return {
    userAgent: agent.slice(0, 512),
    fingerprint,
    browser: joined(parsed.browser.name, parsed.browser.version, 64),
    os: joined(parsed.os.name, parsed.os.version, 64),
    deviceType: (parsed.platform.type ?? '').slice(0, 16),
  };
}
