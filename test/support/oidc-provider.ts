// A real OpenID Connect provider for tests: oidc-provider (a certified implementation) on
// 127.0.0.1 port 0, with public PKCE clients and a few accounts, and a client that walks its
// authorization-code flow over plain HTTP (the provider's development login and consent forms),
// following each redirect by hand with a cookie jar, then redeems the code for an id token.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
// oidc-provider is an ES module; Node >= 20.19 loads it with require(), so CommonJS tests can import it.
import { Provider } from 'oidc-provider';

/** A test account: the claims findAccount answers for its subject. */
export interface TestAccount {
  readonly email: string;
  readonly email_verified: boolean;
  readonly given_name: string;
  readonly family_name: string;
}

/** A running provider. */
export interface TestProvider {
  /** Its issuer: `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  /** The private half of its signing key, so tests can sign what the provider would. */
  readonly privateKey: KeyObject;
  readonly kid: string;
  /** Requests served, per path (`/jwks`, `/.well-known/openid-configuration`, ...). */
  readonly hits: Map<string, number>;
  /** The accounts findAccount knows, by subject; tests may add to it. */
  readonly accounts: Map<string, TestAccount>;
  /** Where the clients' redirects point (never served: the flow stops at the redirect). */
  readonly redirectUri: string;
  close(): Promise<void>;
}

/** An RSA key as oidc-provider takes it: a private JWK with kid and alg. */
export function rsaSigningKey(kid: string): { privateKey: KeyObject; jwk: JsonWebKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

/**
 * Starts a provider with two public clients (`easyjwt-spa` and `other-client`), both code +
 * PKCE, and `accounts`. `key` lets two providers share one signing key (a token of one then
 * verifies with the other's JWKS, and only its `iss` tells them apart).
 */
export async function startProvider(
  accounts: Record<string, TestAccount>,
  options: {
    key?: { privateKey: KeyObject; jwk: JsonWebKey };
    idTokenTtl?: number;
    /**
     * A browser page as `easyjwt-spa`'s redirect URI: registered as a native client's loopback URI,
     * which matches whatever port the page is served on (RFC 8252 7.3), and allowed to call the
     * token endpoint from its origin (CORS).
     */
    browserPage?: string;
  } = {},
): Promise<TestProvider> {
  const key = options.key ?? rsaSigningKey(`k-${randomBytes(4).toString('hex')}`);
  const known = new Map(Object.entries(accounts));
  const hits = new Map<string, number>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${issuer}/callback`;
  const client = (id: string) => ({
    client_id: id,
    token_endpoint_auth_method: 'none',
    ...(options.browserPage && id === 'easyjwt-spa' ? { application_type: 'native' } : {}),
    redirect_uris: [redirectUri, ...(options.browserPage && id === 'easyjwt-spa' ? [options.browserPage] : [])],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  });
  const provider = new Provider(issuer, {
    clients: [client('easyjwt-spa'), client('other-client')],
    jwks: { keys: [key.jwk as never] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name'] },
    // Profile and email claims in the id token itself, as Cognito and Keycloak put them.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    // Public clients may call the token endpoint from the page's origin (its port is not registered).
    ...(options.browserPage ? { clientBasedCORS: () => true } : {}),
    pkce: { required: () => true },
    ttl: { IdToken: options.idTokenTtl ?? 3600, AccessToken: 3600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = known.get(sub);
      return account ? { accountId: sub, claims: () => ({ sub, ...account }) } : undefined;
    },
  });
  const callback = provider.callback();
  server.on('request', (request, response) => {
    const path = new URL(request.url ?? '/', issuer).pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    callback(request, response);
  });
  return {
    issuer,
    privateKey: key.privateKey,
    kid: String(key.jwk.kid),
    hits,
    accounts: known,
    redirectUri,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cookies by name: the provider's cookies are few, and distinct by name. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const expired = attributes.some((attribute) => /^expires=/i.test(attribute) && Date.parse(attribute.slice(8)) < Date.now());
      if (expired || pair.slice(eq + 1) === '') this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** What the provider's token endpoint answered. */
export interface ProviderTokens {
  readonly id_token: string;
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
}

/**
 * Signs in as `subject` through the provider's authorization-code flow with PKCE, as a browser
 * would (redirects followed by hand, cookies kept), and redeems the code for tokens.
 */
export async function signIn(provider: TestProvider, subject: string, options: { clientId?: string; nonce?: string } = {}): Promise<ProviderTokens> {
  const clientId = options.clientId ?? 'easyjwt-spa';
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('hex');
  const jar = new Jar();
  const query = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid email profile',
    redirect_uri: provider.redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
  });
  let url = `${provider.issuer}/auth?${query}`;
  let interactions = 0;
  for (let step = 0; step < 12; step++) {
    if (url.startsWith(provider.redirectUri)) {
      const answer = new URL(url).searchParams;
      const code = answer.get('code');
      if (!code || answer.get('state') !== state) throw new Error(`the provider redirected without a code: ${url}`);
      return redeem(provider, clientId, code, verifier);
    }
    const path = new URL(url).pathname;
    const submit = path.startsWith('/interaction/');
    // The first interaction asks who is signing in, the next whether the client may have the claims.
    const form = submit ? new URLSearchParams(interactions++ === 0 ? { prompt: 'login', login: subject } : { prompt: 'consent' }) : null;
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { Cookie: jar.header(), ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      body: form?.toString(),
    });
    jar.take(response);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
    url = new URL(location, url).toString();
  }
  throw new Error('the provider never redirected back');
}

async function redeem(provider: TestProvider, clientId: string, code: string, verifier: string): Promise<ProviderTokens> {
  const response = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: provider.redirectUri,
      client_id: clientId,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await response.json()) as ProviderTokens;
  if (response.status !== 200) throw new Error(`the token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** A compact JWS signed with RS256 by `privateKey`: for tokens the provider would never issue. */
export function signRs256(header: Record<string, unknown>, payload: Record<string, unknown>, privateKey: KeyObject): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', ...header })}.${part(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}
