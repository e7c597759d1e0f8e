// The signing key in development: generated once, kept in the data folder, announced with a
// warning. In production a missing key is an error: a key nobody chose is a key nobody rotates.
// A client-service started in development picks up the same file, so `serve auth` and
// `serve client` side by side verify locally with no key to copy around.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsError } from '../errors';
import type { CliConfig } from './config';

export const KEY_FILE = 'signing-key';

/**
 * A warning about the key, kept until the settings are known to be good and the command signs or
 * verifies with the key: a command that only reads the database, or a start refused for another
 * setting, has nothing to say about it.
 */
export interface KeyNotice {
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/**
 * The settings input with a SIGNING_KEY: the configured one, or in development the one kept in
 * `<dataDir>/signing-key` (created on first use, readable by the owner only).
 */
export function withSigningKey(config: CliConfig, notices: KeyNotice[]): CliConfig['input'] {
  if (config.input.SIGNING_KEY !== undefined) return config.input;
  // An asymmetric algorithm without a key takes its keys from the key store (see `easyjwt keys`).
  if (config.input.ALGORITHM !== undefined && !config.input.ALGORITHM.startsWith('HS')) return config.input;
  if (config.production) {
    throw new SettingsError(
      'SIGNING_KEY',
      'is required when NODE_ENV=production: set EASYJWT_SIGNING_KEY (for HS256, at least 32 random bytes, e.g. `openssl rand -hex 32`)',
    );
  }
  const path = join(config.dataDir, KEY_FILE);
  if (!existsSync(path)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(path, randomBytes(48).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    notices.push({ fields: { path }, message: 'no signing key configured: generated a development key (set EASYJWT_SIGNING_KEY in production)' });
  } else {
    notices.push({ fields: { path }, message: 'no signing key configured: using the development key from the data folder' });
  }
  return { ...config.input, SIGNING_KEY: readFileSync(path, 'utf8').trim() };
}

/**
 * The client-service's settings input with the development key when it applies: no key configured,
 * not production, not asked for remote or jwks verification, an HMAC algorithm, and a key file
 * already written by the auth-service. Otherwise the input is unchanged, and without a key the
 * client verifies with the auth-service's JWKS or remotely (said with a warning in development,
 * where local was probably meant).
 */
export function withClientSigningKey(config: CliConfig, notices: KeyNotice[]): CliConfig['clientInput'] {
  const input = config.clientInput;
  if (input.SIGNING_KEY !== undefined || input.VERIFYING_KEY !== undefined) return input;
  const algorithm = input.ALGORITHM ?? 'HS256';
  if (config.production || input.TOKEN_VERIFICATION === 'remote' || input.TOKEN_VERIFICATION === 'jwks' || !algorithm.startsWith('HS')) return input;
  const path = join(config.dataDir, KEY_FILE);
  if (!existsSync(path)) {
    notices.push({
      fields: { path },
      message:
        "no signing key configured and no development key in the data folder: verifying with the auth-service's published keys (jwks mode) if it publishes any, else asking it about every new token (remote mode); set EASYJWT_SIGNING_KEY for local verification",
    });
    return input;
  }
  notices.push({ fields: { path }, message: "no signing key configured: using the auth-service's development key from the data folder (local verification)" });
  return { ...input, SIGNING_KEY: readFileSync(path, 'utf8').trim() };
}
