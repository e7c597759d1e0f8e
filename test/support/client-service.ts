// Building a client-service for a test: a fresh database, a listening server on 127.0.0.1 port 0,
// an auth-service whose user JSON carries extra data the test controls, and the fixtures
// (an extra-data entity, its migration and serializer, a controller of guarded routes) they share.
import 'reflect-metadata';
import { createServer as createHttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, Server } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Controller, Get } from 'routing-controllers';
import { Column, Entity, MigrationInterface, PrimaryColumn, QueryRunner } from 'typeorm';
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { ClientService, createClientService } from '../../src/services/client-service';
import type { ClientSettingsInput } from '../../src/client-service/client-settings';
import { Clock, FrozenClock } from '../../src/core/clock';
import type { Principal } from '../../src/core/principal';
import type { Logger } from '../../src/logger';
import { AuthUser, JwtLoginRequired, JwtPermRequired, JwtRequireThat, JwtStaffRequired } from '../../src/decorators/jwt-guards';
import type { User } from '../../src/entities';
import { ClientUserSerializer } from '../../src/serializers/client-user-serializer';
import { UserJson, UserSerializer } from '../../src/serializers/user-serializer';
import type { SettingsInput } from '../../src/settings';
import { jsonClient, startAuthService, TestAuthService, TestResponse } from './auth-service';
import { DialectName, freshDatabaseUrl } from './databases';

/** The 503 every auth-service failure turns into. */
export const UNAVAILABLE = { detail: 'Authentication service unavailable.', code: 'auth_service_unavailable' };
/** The 401 of a protected route asked without credentials. */
export const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.' };
/** The 403 of a guard that refuses a logged-in user. */
export const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };

/** An `Authorization` header for `token`. */
export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/**
 * A frozen clock set a few seconds after now, so tokens the auth-service issues on real time while
 * the test runs are valid under it: their `iat` must not lie ahead of the verifier's clock (a
 * clock frozen at now would fall behind the auth-service's as soon as a second passes).
 */
export const frozenNow = (): FrozenClock => new FrozenClock(Date.now() + 5000);

// ---------------------------------------------------------------------------------------------
// Extra data: the easyjwt "accessgroup" example, stored in a table of the client-service's own.

/** One row per user: the nested `accessgroup` object of the user JSON. */
@Entity('test_access_group')
export class AccessGroup {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ name: 'user_type', type: 'varchar', length: 64, nullable: true })
  user_type: string | null;
}

/** Creates `test_access_group`; the SQL is the same on SQLite and MariaDB. */
export class TestAccessGroup1795500000000 implements MigrationInterface {
  name = 'TestAccessGroup1795500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE TABLE test_access_group (user_id INTEGER NOT NULL PRIMARY KEY, user_type VARCHAR(64) NULL)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE test_access_group');
  }
}

/** Keeps `accessgroup.user_type` and nothing else of the nested object. */
export class AccessGroupSerializer extends ClientUserSerializer {
  override readonly nested = { accessgroup: { entity: AccessGroup, fields: ['user_type'] } };
}

/** The client options that add the accessgroup table and keep it. */
export const withAccessGroups = (): Pick<ClientExtras, 'serializer' | 'entities' | 'migrations'> => ({
  serializer: new AccessGroupSerializer(),
  entities: [AccessGroup],
  migrations: { sqlite: [TestAccessGroup1795500000000], mariadb: [TestAccessGroup1795500000000] },
});

// ---------------------------------------------------------------------------------------------
// The auth side: a user serializer whose additions the test changes between syncs.

/** What the auth-service adds to one user's JSON. */
export interface Extras {
  user_type?: string;
  permissions?: string[];
}

/**
 * Adds `accessgroup` (with a field no client declares), `permissions` and an undeclared top-level
 * field, read from `extras` at every serialisation.
 */
export class ExtraDataUserSerializer extends UserSerializer {
  constructor(readonly extras: Map<number, Extras>) {
    super();
  }

  protected override extra(user: User): UserJson {
    const extras = this.extras.get(user.id);
    if (!extras) return {};
    return {
      ...(extras.user_type === undefined ? {} : { accessgroup: { user_type: extras.user_type, secret_note: 'x' } }),
      permissions: extras.permissions ?? [],
      favourite_colour: 'green',
    };
  }
}

/**
 * Starts an auth-service serving the extra data of `extras`. Its user cache is off, so a change to
 * `extras` or to the database shows in the very next user JSON.
 */
export async function startExtraDataAuthService(
  dialect: DialectName,
  overrides: SettingsInput = {},
): Promise<{ auth: TestAuthService; extras: Map<number, Extras> }> {
  const extras = new Map<number, Extras>();
  const auth = await startAuthService(dialect, { USER_CACHE_TTL: 0, ...overrides }, { serializer: new ExtraDataUserSerializer(extras) });
  return { auth, extras };
}

// ---------------------------------------------------------------------------------------------
// Guarded routes, one per decorator.

const levelOf = (principal: Principal): string => {
  const group = principal.data.accessgroup as { user_type?: unknown } | null | undefined;
  return typeof group?.user_type === 'string' ? group.user_type : '';
};

/** GET /guarded/...: each route answers `{ok: true}` once its guard lets the request through. */
@Controller('/guarded')
export class GuardedController {
  @Get('/login/')
  @JwtLoginRequired()
  login() {
    return { ok: true };
  }

  @Get('/view/')
  @JwtPermRequired('app.view')
  view() {
    return { ok: true };
  }

  @Get('/view-and-edit/')
  @JwtPermRequired(['app.view', 'app.edit'])
  viewAndEdit() {
    return { ok: true };
  }

  @Get('/view-or-edit/')
  @JwtPermRequired(['app.view', 'app.edit'], 'any')
  viewOrEdit() {
    return { ok: true };
  }

  @Get('/gold/')
  @JwtRequireThat((principal) => levelOf(principal).startsWith('gold'), 'Your access level is too low.')
  gold() {
    return { ok: true };
  }

  @Get('/staff/')
  @JwtStaffRequired()
  staff() {
    return { ok: true };
  }

  @Get('/me/')
  @JwtLoginRequired()
  me(@AuthUser() user: Principal) {
    return user.data;
  }
}

/** GET /staff-area/...: guarded once, at the controller. */
@Controller('/staff-area')
@JwtStaffRequired()
export class StaffAreaController {
  @Get('/reports/')
  reports() {
    return { reports: [] };
  }

  @Get('/me/')
  me(@AuthUser() user: Principal) {
    return { id: user.id };
  }
}

// ---------------------------------------------------------------------------------------------
// The client-service itself.

/** What a test may add to a client-service. */
export interface ClientExtras {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- routing-controllers takes controller classes as Function
  readonly controllers?: readonly Function[];
  readonly serializer?: ClientUserSerializer;
  readonly entities?: readonly EntityTarget<ObjectLiteral>[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes migration classes as Function
  readonly migrations?: { readonly sqlite?: readonly Function[]; readonly mariadb?: readonly Function[] };
  readonly clock?: Clock;
  /** Where the service logs (tests that check what it says); silent by default. */
  readonly logger?: Logger;
}

/** A running client-service and ways to talk to it. */
export interface TestClientService {
  readonly service: ClientService;
  readonly url: string;
  get(path: string, headers?: Record<string, string>): Promise<TestResponse>;
  /** POST with a JSON body (or a raw string body, sent as it is). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  /** Logs in through the proxy and returns the pair. */
  login(email: string, password?: string): Promise<{ refresh: string; access: string }>;
  close(): Promise<void>;
}

/**
 * Starts a client-service on a fresh database of `dialect`; `settings` must name the auth-service.
 *
 * @example
 *   const client = await startClientService('sqlite', { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY });
 */
export async function startClientService(dialect: DialectName, settings: ClientSettingsInput, extras: ClientExtras = {}): Promise<TestClientService> {
  const DATABASE_URL = await freshDatabaseUrl(dialect);
  const service = await createClientService({ settings: { LOG_LEVEL: 'silent', DATABASE_URL, ...settings }, ...extras });
  const listening = await service.listen(0, '127.0.0.1');
  const url = listening.url;
  return {
    service,
    url,
    ...jsonClient(url),
    close: async () => {
      await listening.close();
      await service.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Upstreams that misbehave.

/** A loopback port with nothing listening on it. */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and never writes a byte. */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTP(S) upstream answering every request with `answer`; pass `tls` for HTTPS. */
export async function scriptedUpstream(
  answer: (request: IncomingMessage, response: ServerResponse) => void,
  tls?: { key: Buffer; cert: Buffer },
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    requests.push(`${String(request.method)} ${String(request.url)}`);
    request.resume();
    request.on('end', () => answer(request, response));
  };
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
