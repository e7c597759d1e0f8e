// Where the CLI's settings come from: a JSON config file (or a config module, config-module.ts)
// named by EASYJWT_CONFIG or --config for everything,
// then the EASYJWT_* environment variables on top, then command-line flags. Library code never
// reads the environment; only this file does, and only what it is given.
//
// One file may configure both services: each takes the keys its own option table knows, and a key
// neither table knows stops the start, so a typo is never silently ignored.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClientSettingsInput } from '../client-service/client-settings';
import { CLIENT_OPTIONS } from '../client-service/client-settings';
import { SettingsError } from '../errors';
import type { SettingsInput } from '../settings';
import { OPTIONS } from '../settings';
import type { ConfigModule } from './config-module';
import { isConfigModule, loadConfigModule } from './config-module';

/** The environment variables `serve auth` (and every other auth-side command) reads. */
export const ENVIRONMENT: Readonly<Record<string, keyof typeof OPTIONS>> = {
  EASYJWT_DATABASE_URL: 'DATABASE_URL',
  EASYJWT_SIGNING_KEY: 'SIGNING_KEY',
  EASYJWT_HOST: 'HOST',
  EASYJWT_PORT: 'PORT',
  EASYJWT_LOG_LEVEL: 'LOG_LEVEL',
  EASYJWT_DELIVERY_MODE: 'DELIVERY_MODE',
  EASYJWT_COOKIE_SECURE: 'COOKIE_SECURE',
  EASYJWT_REDIS_URL: 'REDIS_URL',
  EASYJWT_CREATE_USER_ENABLED: 'CREATE_USER_ENABLED',
  EASYJWT_OIDC_PROVIDERS: 'OIDC_PROVIDERS',
  // libuv's own variable, read here too so the hasher knows the pool it shares and a bad value is
  // refused by name (libuv itself would silently turn `abc` into a pool of 1).
  UV_THREADPOOL_SIZE: 'THREAD_POOL_SIZE',
};

/**
 * The environment variables `serve client` reads. The database and port have variables of their
 * own, so one shell can configure both services without the client taking the auth-service's.
 */
export const CLIENT_ENVIRONMENT: Readonly<Record<string, keyof typeof CLIENT_OPTIONS>> = {
  EASYJWT_AUTH_URL: 'REMOTE_AUTH_SERVICE_URL',
  EASYJWT_CLIENT_DATABASE_URL: 'DATABASE_URL',
  EASYJWT_CLIENT_PORT: 'PORT',
  EASYJWT_SIGNING_KEY: 'SIGNING_KEY',
  EASYJWT_TOKEN_VERIFICATION: 'TOKEN_VERIFICATION',
  EASYJWT_HOST: 'HOST',
  EASYJWT_LOG_LEVEL: 'LOG_LEVEL',
  EASYJWT_DELIVERY_MODE: 'DELIVERY_MODE',
  EASYJWT_COOKIE_SECURE: 'COOKIE_SECURE',
  EASYJWT_REDIS_URL: 'REDIS_URL',
};

/** What the CLI knows before it builds a service. */
export interface CliConfig {
  /** Auth-service settings gathered so far (not yet validated). */
  readonly input: SettingsInput;
  /** Client-service settings gathered so far (not yet validated). */
  readonly clientInput: ClientSettingsInput;
  /** NODE_ENV=production: no generated signing key, no development shortcuts. */
  readonly production: boolean;
  /** Where development state (the generated key, the SQLite file) lives. */
  readonly dataDir: string;
  /** The team's code, when the config names a .js/.cjs/.mjs module instead of a JSON file. */
  readonly module: ConfigModule | null;
}

/**
 * Reads the config file and the environment.
 *
 * @example
 *   const config = loadConfig(process.env, process.cwd());
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string, configPath: string | undefined = env.EASYJWT_CONFIG): CliConfig {
  const module = configPath && isConfigModule(configPath) ? loadConfigModule(resolve(cwd, configPath), configPath) : null;
  const file = module ? module.settings : configPath ? readConfigFile(resolve(cwd, configPath)) : {};
  for (const key of Object.keys(file)) {
    if (!Object.hasOwn(OPTIONS, key) && !Object.hasOwn(CLIENT_OPTIONS, key)) {
      throw new SettingsError(
        key,
        'is not a known setting of the auth-service or of a client-service (`easyjwt settings` and `easyjwt settings --client` list them)',
      );
    }
  }
  return {
    input: gather(file, OPTIONS, ENVIRONMENT, env),
    clientInput: gather(file, CLIENT_OPTIONS, CLIENT_ENVIRONMENT, env),
    production: env.NODE_ENV === 'production',
    dataDir: resolve(cwd, env.EASYJWT_DATA_DIR || 'data'),
    module,
  };
}

/** The file's keys that `table` knows, then the environment variables mapped to it. */
function gather(file: Record<string, unknown>, table: object, variables: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file)) if (Object.hasOwn(table, key)) input[key] = value;
  for (const [variable, key] of Object.entries(variables)) {
    const value = env[variable];
    if (value !== undefined && value !== '') input[key] = value;
  }
  return input;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError('EASYJWT_CONFIG', `cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SettingsError('EASYJWT_CONFIG', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SettingsError('EASYJWT_CONFIG', `${path} must hold a JSON object of settings`);
  }
  return parsed as Record<string, unknown>;
}
