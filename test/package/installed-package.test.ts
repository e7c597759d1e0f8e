// The package as a user gets it: `npm pack`, the tarball installed into a scratch TypeScript project
// (strict, no skipLibCheck) with its peers, programs written against the public API compiled with
// tsc and run, and their services answered over HTTP. Slow (an npm install), so it runs once.
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..', '..');

/** The versions our lockfile installs, so the scratch project gets exactly what the tests ran on. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (typeof version !== 'string') throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/** What a package user installs beside koa-easyjwt (the README's install line, plus tsc). */
const SCRATCH_DEPENDENCIES = [
  'koa',
  'routing-controllers',
  'typeorm',
  'reflect-metadata',
  '@types/koa',
  '@types/node',
  'typescript',
  // What the team's own app (own-koa-app.ts) brings: its router and its CORS middleware.
  '@koa/router',
  '@types/koa__router',
  '@koa/cors',
  '@types/koa__cors',
];

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'node16',
    moduleResolution: 'node16',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    outDir: 'out',
    types: ['node'],
  },
  include: ['src'],
};

/**
 * Programs written against the public API. Each starts an auth-service and a client-service and
 * prints `{"auth": url, "client": url}`; the client-service serves GET /reports/mine/ (any logged-in
 * user: `{id, staff}`) and GET /reports/admin/ (staff only: `{admin: true}`), and users
 * boss@ops.example.com (staff) and ann@example.com exist with passwords `<name>-pass-123`. Add a
 * program here to check another way of building the same services.
 */
const PROGRAMS: Record<string, string> = {
  'factories.ts': `
import 'reflect-metadata';
import { Controller, Get } from 'routing-controllers';
import { AuthUser, ClaimRegistry, createAuthService, createClientService, JwtLoginRequired, JwtStaffRequired, User, UserSerializer } from 'koa-easyjwt';
import type { Principal, UserJson } from 'koa-easyjwt';
import { EasyJwtError, PermissionDenied } from 'koa-easyjwt/errors';
import { TEST_SIGNING_KEY, testAuthSettings } from 'koa-easyjwt/testing';

class TeamSerializer extends UserSerializer {
  protected override extra(user: User): UserJson {
    return { team: user.email.endsWith('@ops.example.com') ? 'ops' : 'other' };
  }
}

@Controller('/reports')
class ReportsController {
  @Get('/mine/')
  @JwtLoginRequired()
  mine(@AuthUser() user: Principal) {
    return { id: user.id, staff: user.isStaff };
  }

  @Get('/admin/')
  @JwtStaffRequired()
  admin() {
    return { admin: true };
  }
}

async function main(): Promise<void> {
  const claims = new ClaimRegistry().register({ key: 'team', build: (user) => user.data.team });
  const auth = await createAuthService({ settings: testAuthSettings(), serializer: new TeamSerializer(), claims });
  await auth.users.create({ email: 'boss@ops.example.com', password: 'boss-pass-123', isStaff: true });
  await auth.users.create({ email: 'ann@example.com', password: 'ann-pass-123' });
  const authListening = await auth.listen(0, '127.0.0.1');
  const client = await createClientService({
    settings: { SIGNING_KEY: TEST_SIGNING_KEY, REMOTE_AUTH_SERVICE_URL: authListening.url, DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' },
    controllers: [ReportsController],
  });
  const clientListening = await client.listen(0, '127.0.0.1');
  const errorsShared = PermissionDenied.prototype instanceof EasyJwtError;
  console.log(JSON.stringify({ auth: authListening.url, client: clientListening.url, errorsShared }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`,
  'own-koa-app.ts': `
import 'reflect-metadata';
import cors from '@koa/cors';
import Router from '@koa/router';
import Koa from 'koa';
import type { Context } from 'koa';
import { Authorized, Ctx, CurrentUser, Get, JsonController, useKoaServer } from 'routing-controllers';
import { AuthUser, ClaimRegistry, createAuthService, easyJwtClient, JwtPermRequired } from 'koa-easyjwt';
import type { Principal } from 'koa-easyjwt';
import { EasyJwtError, PermissionDenied } from 'koa-easyjwt/errors';
import { TEST_SIGNING_KEY, testAuthSettings } from 'koa-easyjwt/testing';

@JsonController('/reports')
class ReportsController {
  @Get('/mine/')
  @Authorized()
  mine(@CurrentUser() user: Principal) {
    return { id: user.id, staff: user.isStaff };
  }

  @Get('/tenant/')
  @Authorized('reports.view')
  tenant(@Ctx() ctx: Context) {
    return { tenant: (ctx.state.claims as Record<string, unknown>).tenant };
  }

  @Get('/decorated/')
  @JwtPermRequired('reports.view')
  decorated(@AuthUser() user: Principal) {
    return { id: user.id };
  }
}

async function main(): Promise<void> {
  const claims = new ClaimRegistry()
    .register({ key: 'team', build: (user) => (user.login?.endsWith('@ops.example.com') ? 'ops' : 'other') })
    .register({ key: 'tenant', build: () => 'acme' });
  const auth = await createAuthService({ settings: testAuthSettings(), claims });
  await auth.users.create({ email: 'boss@ops.example.com', password: 'boss-pass-123', isStaff: true, permissions: ['reports.view'] });
  await auth.users.create({ email: 'ann@example.com', password: 'ann-pass-123' });
  const authListening = await auth.listen(0, '127.0.0.1');

  const jwt = await easyJwtClient({
    settings: { SIGNING_KEY: TEST_SIGNING_KEY, REMOTE_AUTH_SERVICE_URL: authListening.url, DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' },
  });
  const app = new Koa();
  app.use(cors({ origin: 'https://app.example.com' }));
  app.use(async (ctx, next) => {
    await next();
    ctx.set('X-Team-After', 'yes');
  });
  app.use(jwt.middleware());
  app.use(jwt.routes());
  const router = new Router();
  router.get('/reports/admin/', jwt.requireStaff, (ctx) => {
    ctx.body = { admin: true };
  });
  router.get('/reports/plain/', jwt.requirePermission('reports.view'), (ctx) => {
    ctx.body = { plain: true };
  });
  app.use(router.routes());
  useKoaServer(app, {
    controllers: [ReportsController],
    authorizationChecker: jwt.authorizationChecker,
    currentUserChecker: jwt.currentUserChecker,
    defaultErrorHandler: false,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const errorsShared = PermissionDenied.prototype instanceof EasyJwtError;
  console.log(JSON.stringify({ auth: authListening.url, client: \`http://127.0.0.1:\${port}\`, errorsShared }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`,
};

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full).map((file) => join(name, file)) : [name];
  });
}

/** Starts a compiled program and waits for the line with its URLs. */
function startProgram(file: string, cwd: string): Promise<{ child: ChildProcess; urls: { auth: string; client: string; errorsShared: boolean } }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line) resolvePromise({ child, urls: JSON.parse(line) });
    });
    child.on('exit', (code) => reject(new Error(`${file} exited with ${String(code)}: ${err}`)));
  });
}

/**
 * What only a team's own Koa app shows: its CORS middleware and its own middleware after ours on
 * every answer, the library's /auth/ endpoints included, and a custom claim read in a controller.
 */
async function checkTeamApp(client: string, boss: string, ann: string): Promise<void> {
  const origin = { Origin: 'https://app.example.com' };
  const tenant = await fetch(`${client}/reports/tenant/`, { headers: { ...origin, Authorization: `Bearer ${boss}` } });
  expect(tenant.status).to.equal(200);
  expect(await tenant.json()).to.deep.equal({ tenant: 'acme' });
  expect(tenant.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
  expect(tenant.headers.get('x-team-after')).to.equal('yes');
  const forbidden = await fetch(`${client}/reports/tenant/`, { headers: { ...origin, Authorization: `Bearer ${ann}` } });
  expect(forbidden.status).to.equal(403);
  expect(forbidden.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
  // Our decorator under the team's useKoaServer, and our guard on a plain @koa/router route.
  for (const [path, body] of [
    ['/reports/decorated/', { id: 1 }],
    ['/reports/plain/', { plain: true }],
  ] as const) {
    const allowed = await fetch(client + path, { headers: { Authorization: `Bearer ${boss}` } });
    expect([allowed.status, await allowed.json()], path).to.deep.equal([200, body]);
    const denied = await fetch(client + path, { headers: { Authorization: `Bearer ${ann}` } });
    expect([denied.status, await denied.json()], path).to.deep.equal([403, { detail: 'You do not have permission to perform this action.' }]);
    const anonymous = await fetch(client + path);
    expect([anonymous.status, await anonymous.json()], path).to.deep.equal([401, { detail: 'Authentication credentials were not provided.' }]);
  }
  // The proxy endpoints, served by routes() inside the team's app, answer through its middleware too.
  const login = await fetch(`${client}/auth/token/`, {
    method: 'POST',
    headers: { ...origin, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'ann@example.com', password: 'ann-pass-123' }),
  });
  expect(login.status).to.equal(200);
  expect(Object.keys((await login.json()) as object)).to.have.members(['refresh', 'access']);
  expect(login.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
  const refused = await fetch(`${client}/auth/token/`, { method: 'POST', headers: { ...origin, 'Content-Type': 'application/json' }, body: '{}' });
  expect(refused.status).to.equal(400);
  expect(refused.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
  expect(refused.headers.get('x-team-after')).to.equal('yes');
}

describe('the installed package', function () {
  // pack ~5 s, install ~50 s, tsc ~15 s on a loaded machine; the budget stays under 4 minutes.
  this.timeout(230_000);
  let work: string;
  let unpacked: string;
  let tarball: string;
  let scratch: string;

  before(async function () {
    work = mkdtempSync(join(tmpdir(), 'easyjwt-package-'));
    // dist/ is fresh (the build runs before the tests), so packing skips the prepare script.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 << 20 });
    tarball = join(work, JSON.parse(stdout)[0].filename);
    unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked]);
    unpacked = join(unpacked, 'package');

    scratch = join(work, 'scratch');
    mkdirSync(join(scratch, 'src'), { recursive: true });
    const dependencies: Record<string, string> = { 'koa-easyjwt': `file:${tarball}` };
    for (const name of SCRATCH_DEPENDENCIES) dependencies[name] = lockedVersion(name);
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, dependencies }, null, 2));
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    for (const [name, source] of Object.entries(PROGRAMS)) writeFileSync(join(scratch, 'src', name), source);
    // Scripts off: better-sqlite3 would compile itself for a minute or more. The same version is
    // built in our own node_modules for this Node, so its binary is copied over instead.
    await run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: scratch, maxBuffer: 64 << 20 });
    expect(readFileSync(join(scratch, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')).to.include(`"version": "${lockedVersion('better-sqlite3')}"`);
    const binary = join('build', 'Release', 'better_sqlite3.node');
    mkdirSync(join(scratch, 'node_modules', 'better-sqlite3', dirname(binary)), { recursive: true });
    copyFileSync(join(ROOT, 'node_modules', 'better-sqlite3', binary), join(scratch, 'node_modules', 'better-sqlite3', binary));
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the license, the built code and its sources, and no tests, benchmarks or examples', () => {
    const files = filesUnder(unpacked);
    for (const needed of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/errors/index.d.ts',
      'dist/src/testing/index.d.ts',
      'dist/src/cli/main.js',
    ]) {
      expect(files, needed).to.include(needed);
    }
    expect(readFileSync(join(unpacked, 'LICENSE'), 'utf8')).to.match(/^MIT License\n\nCopyright \(c\) koa-easyjwt contributors/);
    const unwanted = files.filter((file) => /^(test|bench|examples|scripts|dist\/(test|bench|examples|scripts))\//.test(file));
    expect(unwanted).to.deep.equal([]);
  });

  it('ships source maps whose sources are in the tarball', () => {
    const maps = filesUnder(unpacked).filter((file) => file.endsWith('.map'));
    expect(maps.length).to.be.greaterThan(0);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourceRoot } = JSON.parse(readFileSync(join(unpacked, map), 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const source of sources) {
        const path = resolve(unpacked, dirname(map), sourceRoot ?? '', source);
        if (relative(unpacked, path).startsWith('..') || !existsSync(path)) missing.push(`${map} -> ${source}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it('compiles programs using the public API under strict, without skipLibCheck', async () => {
    const tsc = join(scratch, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch }).catch((error: unknown) => {
      throw new Error(`tsc failed:\n${String((error as { stdout?: string }).stdout)}`);
    });
    expect(result.stdout).to.equal('');
  });

  for (const name of Object.keys(PROGRAMS)) {
    it(`runs ${name}: a client-service answers 200, 403 and 401 with tokens of its auth-service`, async () => {
      const { child, urls } = await startProgram(join('out', name.replace(/\.ts$/, '.js')), scratch);
      try {
        expect(urls.errorsShared).to.equal(true);
        const login = async (email: string, password: string) => {
          const response = await fetch(`${urls.auth}/auth/token/`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ email, password }),
          });
          expect(response.status).to.equal(200);
          return ((await response.json()) as { access: string }).access;
        };
        const get = async (path: string, access?: string) => {
          const response = await fetch(urls.client + path, { headers: access ? { Authorization: `Bearer ${access}` } : {} });
          return { status: response.status, body: await response.json() };
        };
        const ann = await login('ann@example.com', 'ann-pass-123');
        const boss = await login('boss@ops.example.com', 'boss-pass-123');
        expect(JSON.parse(Buffer.from(ann.split('.')[1], 'base64url').toString()).team).to.equal('other');

        const mine = await get('/reports/mine/', ann);
        expect(mine.status).to.equal(200);
        expect(mine.body).to.deep.equal({ id: 2, staff: false });
        expect(await get('/reports/admin/', boss)).to.deep.equal({ status: 200, body: { admin: true } });
        expect(await get('/reports/admin/', ann)).to.deep.equal({ status: 403, body: { detail: 'You do not have permission to perform this action.' } });
        expect(await get('/reports/mine/')).to.deep.equal({ status: 401, body: { detail: 'Authentication credentials were not provided.' } });
        if (name === 'own-koa-app.ts') await checkTeamApp(urls.client, boss, ann);
      } finally {
        child.removeAllListeners('exit');
        child.kill('SIGTERM');
      }
    });
  }
});
