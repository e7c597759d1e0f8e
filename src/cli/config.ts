// Where the CLI's settings come from: a JSON config file named by EASYJWT_CONFIG for everything,
// then the EASYJWT_* environment variables on top, then command-line flags. Library code never
// reads the environment; only this file does, and only what it is given.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SettingsError } from '../errors';
import { OPTIONS, SettingsInput } from '../settings';

/** The environment variables the CLI reads, and the setting each one fills. */
export const ENVIRONMENT: Readonly<Record<string, keyof typeof OPTIONS>> = {
  EASYJWT_DATABASE_URL: 'DATABASE_URL',
  EASYJWT_SIGNING_KEY: 'SIGNING_KEY',
  EASYJWT_HOST: 'HOST',
  EASYJWT_PORT: 'PORT',
  EASYJWT_LOG_LEVEL: 'LOG_LEVEL',
};

/** What the CLI knows before it builds a service. */
export interface CliConfig {
  /** Settings gathered so far (not yet validated). */
  readonly input: SettingsInput;
  /** NODE_ENV=production: no generated signing key, no development shortcuts. */
  readonly production: boolean;
  /** Where development state (the generated key, the SQLite file) lives. */
  readonly dataDir: string;
}

/**
 * Reads the config file and the environment.
 *
 * @example
 *   const config = loadConfig(process.env, process.cwd());
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string): CliConfig {
  const input: Record<string, unknown> = {};
  if (env.EASYJWT_CONFIG) Object.assign(input, readConfigFile(resolve(cwd, env.EASYJWT_CONFIG)));
  for (const [variable, key] of Object.entries(ENVIRONMENT)) {
    const value = env[variable];
    if (value !== undefined && value !== '') input[key] = value;
  }
  return {
    input,
    production: env.NODE_ENV === 'production',
    dataDir: resolve(cwd, env.EASYJWT_DATA_DIR || 'data'),
  };
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
