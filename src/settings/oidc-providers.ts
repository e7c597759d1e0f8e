// OIDC_PROVIDERS: the identity providers whose id tokens the social exchange accepts, declared as
// settings. Each entry is checked here, at start-up, so a typo in an issuer or a missing client id
// stops the service instead of surfacing as refused sign-ins.
import { SettingsError } from '../errors';
import type { Parser } from './parsers';
import { listSetting } from './parsers';
import type { Algorithm } from './options';
import { ASYMMETRIC_ALGORITHMS } from './options';

/** Which claims fill a new user's fields. */
export interface ProviderClaimNames {
  readonly email: string;
  readonly first_name: string;
  readonly last_name: string;
}

/** One provider as a team writes it (JSON in EASYJWT_OIDC_PROVIDERS, or a settings object). */
export interface OidcProviderInput {
  /** How requests name it (`"provider": "google"`); letters, digits, `-` and `_`. */
  readonly name: string;
  /** The issuer, exactly as its tokens' `iss` says it. Cognito may give region and user_pool_id instead. */
  readonly issuer?: string;
  readonly region?: string;
  readonly user_pool_id?: string;
  /** Our client id at the provider: the `aud` its id tokens are issued for. */
  readonly client_id: string;
  /** Algorithms its id tokens may be signed with; RS256 by default. */
  readonly algorithms?: string | readonly string[];
  /** Claim names for the user's fields; defaults email, given_name, family_name. */
  readonly claims?: Partial<ProviderClaimNames>;
  /** Create a local user for an identity with no account (default false). */
  readonly create_users?: boolean;
  /** Refuse id tokens whose `email_verified` is not true (default true). */
  readonly require_verified_email?: boolean;
  /** Seconds of clock skew allowed on the id token's times (default 30). */
  readonly leeway?: number;
}

/** One provider as the code reads it. */
export interface OidcProvider {
  readonly name: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly algorithms: readonly Algorithm[];
  readonly claims: ProviderClaimNames;
  readonly createUsers: boolean;
  readonly requireVerifiedEmail: boolean;
  readonly leeway: number;
}

const FIELDS = ['name', 'issuer', 'region', 'user_pool_id', 'client_id', 'algorithms', 'claims', 'create_users', 'require_verified_email', 'leeway'];
const CLAIM_FIELDS = ['email', 'first_name', 'last_name'] as const;
const DEFAULT_CLAIMS: ProviderClaimNames = Object.freeze({ email: 'email', first_name: 'given_name', last_name: 'family_name' });
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[A-Za-z0-9]+$/;
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The issuer of a Cognito user pool, as its tokens' `iss` says it.
 *
 * @example
 *   cognitoIssuer('eu-west-1', 'eu-west-1_AbCdEf123'); // 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123'
 */
export const cognitoIssuer = (region: string, userPoolId: string): string => `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;

/**
 * Why `issuer` cannot be an issuer, or null: https only, except http on a loopback host (a
 * provider on the developer's machine or in a test); no query, fragment or credentials.
 */
export function issuerProblem(issuer: string): string | null {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    return 'must be an https URL (http only on a loopback host: 127.0.0.1, [::1], localhost)';
  }
  if (url.search || url.hash || url.username || url.password) return 'must have no query, fragment or credentials';
  return null;
}

function entryOf(item: unknown, where: string, key: string): OidcProvider {
  const fail = (problem: string): never => {
    throw new SettingsError(key, `${where}: ${problem}`);
  };
  if (!isRecord(item)) return fail(`must be an object such as {"name": "corp", "issuer": "https://id.example.com", "client_id": "..."}`);
  for (const field of Object.keys(item)) if (!FIELDS.includes(field)) fail(`unknown field ${JSON.stringify(field)} (known: ${FIELDS.join(', ')})`);
  const name = item.name;
  if (typeof name !== 'string' || !NAME.test(name)) return fail(`name must be 1 to 64 letters, digits, "-" or "_", got ${JSON.stringify(name)}`);
  const at = `provider ${JSON.stringify(name)}`;
  const issuer = issuerOf(item, (problem) => fail(`${at}: ${problem}`));
  const clientId = item.client_id;
  if (typeof clientId !== 'string' || clientId.trim() === '') return fail(`${at}: client_id is required (our client id at the provider)`);
  return Object.freeze({
    name,
    issuer,
    clientId,
    algorithms: algorithmsOf(item.algorithms, (problem) => fail(`${at}: ${problem}`)),
    claims: claimsOf(item.claims, (problem) => fail(`${at}: ${problem}`)),
    createUsers: flag(item.create_users, false, 'create_users', (problem) => fail(`${at}: ${problem}`)),
    requireVerifiedEmail: flag(item.require_verified_email, true, 'require_verified_email', (problem) => fail(`${at}: ${problem}`)),
    leeway: leewayOf(item.leeway, (problem) => fail(`${at}: ${problem}`)),
  });
}

function issuerOf(item: Record<string, unknown>, fail: (problem: string) => never): string {
  const { issuer, region, user_pool_id: pool } = item;
  if (issuer !== undefined) {
    if (region !== undefined || pool !== undefined) return fail('give either issuer or region and user_pool_id, not both');
    if (typeof issuer !== 'string') return fail('issuer must be a URL');
    const problem = issuerProblem(issuer);
    return problem === null ? issuer : fail(`issuer ${problem}, got ${JSON.stringify(issuer)}`);
  }
  if (region === undefined && pool === undefined) return fail('issuer is required (or region and user_pool_id for a Cognito user pool)');
  if (typeof region !== 'string' || !REGION.test(region)) return fail(`region must be an AWS region such as "eu-west-1", got ${JSON.stringify(region)}`);
  const match = typeof pool === 'string' ? POOL_ID.exec(pool) : null;
  if (!match) return fail(`user_pool_id must be a Cognito user pool id such as "${region}_AbCdEf123", got ${JSON.stringify(pool)}`);
  if (match[1] !== region) return fail(`user_pool_id ${pool as string} belongs to region ${match[1]}, not ${region}`);
  return cognitoIssuer(region, pool as string);
}

function algorithmsOf(value: unknown, fail: (problem: string) => never): readonly Algorithm[] {
  if (value === undefined) return Object.freeze(['RS256'] as Algorithm[]);
  const list = typeof value === 'string' ? [value] : value;
  const known: readonly string[] = ASYMMETRIC_ALGORITHMS;
  // Shared secrets are never accepted: the provider would have to share its signing key with us.
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && known.includes(item))) {
    return fail(`algorithms must be a non-empty list of ${known.join(', ')}, got ${JSON.stringify(value)}`);
  }
  if (new Set(list).size !== list.length) return fail(`algorithms lists one twice: ${JSON.stringify(value)}`);
  return Object.freeze([...(list as Algorithm[])]);
}

function claimsOf(value: unknown, fail: (problem: string) => never): ProviderClaimNames {
  if (value === undefined) return DEFAULT_CLAIMS;
  if (!isRecord(value)) return fail(`claims must be an object such as {"email": "email", "first_name": "given_name"}, got ${JSON.stringify(value)}`);
  const names: Record<string, string> = { ...DEFAULT_CLAIMS };
  for (const [field, claim] of Object.entries(value)) {
    if (!(CLAIM_FIELDS as readonly string[]).includes(field)) fail(`claims has no field ${JSON.stringify(field)} (known: ${CLAIM_FIELDS.join(', ')})`);
    if (typeof claim !== 'string' || claim === '') fail(`claims.${field} must be a claim name, got ${JSON.stringify(claim)}`);
    names[field] = claim;
  }
  return Object.freeze(names as unknown as ProviderClaimNames);
}

function flag(value: unknown, fallback: boolean, field: string, fail: (problem: string) => never): boolean {
  if (value === undefined) return fallback;
  return typeof value === 'boolean' ? value : fail(`${field} must be true or false, got ${JSON.stringify(value)}`);
}

function leewayOf(value: unknown, fail: (problem: string) => never): number {
  if (value === undefined) return 30;
  // More than five minutes would keep an expired token usable for longer than a clock is ever off.
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 300
    ? value
    : fail(`leeway must be a number of seconds from 0 to 300, got ${JSON.stringify(value)}`);
}

/**
 * The providers, given as a list or (from an environment variable) its JSON text. Names must be
 * unique; an empty list serves no exchange (the endpoint answers 404).
 *
 * @example
 *   oidcProviderList('[{"name":"corp","issuer":"https://id.example.com/realms/corp","client_id":"easyjwt"}]', 'OIDC_PROVIDERS');
 */
export const oidcProviderList: Parser<readonly OidcProvider[], readonly OidcProviderInput[] | readonly OidcProvider[] | string> = (value, key) => {
  const list = listSetting(value, key, 'providers', '[{"name": "corp", "issuer": "...", "client_id": "..."}]');
  const providers = list.map((item, index) => entryOf(resolvedAgain(item), `entry ${index + 1}`, key));
  const seen = new Set<string>();
  for (const provider of providers) {
    if (seen.has(provider.name)) throw new SettingsError(key, `two providers are named ${JSON.stringify(provider.name)}: names must be unique`);
    seen.add(provider.name);
  }
  return Object.freeze(providers);
};

/** A provider already resolved (settings passed again, copied), written back in the input's terms. */
function resolvedAgain(item: unknown): unknown {
  if (!isRecord(item) || !('clientId' in item)) return item;
  const provider = item as unknown as OidcProvider;
  return {
    name: provider.name,
    issuer: provider.issuer,
    client_id: provider.clientId,
    algorithms: provider.algorithms,
    claims: provider.claims,
    create_users: provider.createUsers,
    require_verified_email: provider.requireVerifiedEmail,
    leeway: provider.leeway,
  };
}
