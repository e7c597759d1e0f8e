// A config module (a .cjs file named by --config or EASYJWT_CONFIG) runs the team's own code under
// `easyjwt serve`: a serializer and claim builders in the auth-service, controllers in a
// client-service, entities whose tables `easyjwt makemigrations` writes migrations for.
import { expect } from 'chai';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { call } from '../support/auth-service';
import { runCli, scratchDir } from '../support/cli';
import { serveRole } from '../support/cli-serve';
import { forEachDialect, freshDatabaseUrl } from '../support/databases';
import { createDataSource } from '../../src/db/data-source';

const KEY = 'e2e-signing-key-with-more-than-thirty-two-bytes';
const LIBRARY = resolve(__dirname, '..', '..', 'src', 'index.js');
const TYPEORM = require.resolve('typeorm');
const ROUTING = require.resolve('routing-controllers');

const postJson = (url: string, body: unknown) => call(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Rows of one query on the SQLite file at `path`, on a connection of its own. */
async function sqliteRows(path: string, sql: string): Promise<unknown[]> {
  const dataSource = new DataSource({ type: 'better-sqlite3', database: path });
  await dataSource.initialize();
  try {
    return await dataSource.query<unknown[]>(sql);
  } finally {
    await dataSource.destroy();
  }
}

/** The payload of a JWT, unverified. */
const payloadOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

/** A config module of the auth side: a serializer adding `team`, a `team` claim, and `body` appended. */
function authModule(dir: string, body = ''): string {
  const path = join(dir, 'app.cjs');
  writeFileSync(
    path,
    `const lib = require(${JSON.stringify(LIBRARY)});
class TeamSerializer extends lib.UserSerializer {
  extra(user) { return { team: 'blue-' + user.id }; }
}
module.exports = {
  settings: { SIGNING_KEY: ${JSON.stringify(KEY)}, DATABASE_URL: ${JSON.stringify(`sqlite:${join(dir, 'auth.sqlite3')}`)} },
  serializer: new TeamSerializer(),
  claims: [{ key: 'team', build: (user) => 'blue-' + user.id }],
};
${body}`,
  );
  return path;
}

/** A `Team` entity (table example_team), for the module to export. */
const TEAM_ENTITY = `const { Entity, PrimaryColumn, Column } = require(${JSON.stringify(TYPEORM)});
class Team {}
Reflect.decorate([PrimaryColumn({ type: 'integer', name: 'user_id' })], Team.prototype, 'userId', void 0);
Reflect.decorate([Column({ type: 'varchar', length: 64, name: 'team_name', nullable: true })], Team.prototype, 'teamName', void 0);
Entity('example_team')(Team);
module.exports.entities = [Team];
`;

describe('e2e: a config module', function () {
  this.timeout(90000);

  it("runs the module's serializer and claim builders in `serve auth`", async () => {
    const dir = scratchDir();
    authModule(dir);
    const created = await runCli(['createuser', '--config', 'app.cjs', '--email', 'user@test.com', '--password', 'user-pass'], {}, dir);
    expect(created.code, created.stderr).to.equal(0);
    const auth = await serveRole('auth', {}, dir, ['--config', 'app.cjs']);
    try {
      const login = await postJson(`${auth.url}/auth/token/`, { email: 'user@test.com', password: 'user-pass' });
      expect(login.status).to.equal(200);
      expect(payloadOf(login.body.access as string).team).to.equal('blue-1');
      const user = await call(`${auth.url}/auth/user/`, { headers: { Authorization: `Bearer ${login.body.access}` } });
      expect(user.status).to.equal(200);
      expect(user.body).to.include({ id: 1, email: 'user@test.com', team: 'blue-1' });
      // The login was registered in the module's database.
      expect(await sqliteRows(join(dir, 'auth.sqlite3'), 'SELECT count(*) AS n FROM easyjwt_token')).to.deep.equal([{ n: 2 }]);
    } finally {
      expect(await auth.stop()).to.equal(0);
    }
  });

  it("mounts the module's controllers in `serve client`", async () => {
    const dir = scratchDir();
    writeFileSync(
      join(dir, 'client.cjs'),
      `const { Controller, Get } = require(${JSON.stringify(ROUTING)});
const lib = require(${JSON.stringify(LIBRARY)});
class TeamController { hello() { return { hello: 'team' }; } }
Reflect.decorate([Get('/hello/'), lib.JwtLoginRequired()], TeamController.prototype, 'hello', null);
Controller('/team')(TeamController);
module.exports = { settings: { SIGNING_KEY: ${JSON.stringify(KEY)}, DATABASE_URL: ${JSON.stringify(`sqlite:${join(dir, 'client.sqlite3')}`)} }, controllers: [TeamController] };
`,
    );
    authModule(dir);
    await runCli(['createuser', '--config', 'app.cjs', '--email', 'user@test.com', '--password', 'user-pass'], {}, dir);
    const auth = await serveRole('auth', {}, dir, ['--config', 'app.cjs']);
    try {
      const client = await serveRole('client', { EASYJWT_CONFIG: 'client.cjs' }, dir, ['--auth-url', auth.url]);
      try {
        expect((await call(`${client.url}/team/hello/`)).status).to.equal(401);
        const login = await postJson(`${client.url}/auth/token/`, { email: 'user@test.com', password: 'user-pass' });
        const hello = await call(`${client.url}/team/hello/`, { headers: { Authorization: `Bearer ${login.body.access}` } });
        expect(hello.status).to.equal(200);
        expect(hello.body).to.deep.equal({ hello: 'team' });
        // The client kept its local copy of the user in its own database.
        expect(await sqliteRows(join(dir, 'client.sqlite3'), 'SELECT email FROM easyjwt_local_user')).to.deep.equal([{ email: 'user@test.com' }]);
      } finally {
        expect(await client.stop()).to.equal(0);
      }
    } finally {
      await auth.stop();
    }
  });

  it('stops at start-up naming a table without migration, and runs once makemigrations wrote one', async () => {
    const dir = scratchDir();
    authModule(dir, TEAM_ENTITY);
    const refused = await runCli(['serve', 'auth', '--port', '0', '--config', 'app.cjs'], {}, dir);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.equal('easyjwt: table example_team does not exist: run `easyjwt makemigrations --config app.cjs --name Team` and restart\n');

    const made = await runCli(['makemigrations', '--config', 'app.cjs', '--name', 'Team'], {}, dir);
    expect(made.code, made.stderr).to.equal(0);
    expect(made.stdout).to.match(/^sqlite: wrote migrations\/\d{13}-Team\.sqlite\.js \(1 statements\)$/m);
    const files = readdirSync(join(dir, 'migrations'));
    expect(files).to.have.length(1);
    expect(readFileSync(join(dir, 'migrations', files[0]), 'utf8')).to.contain('CREATE TABLE \\"example_team\\"');

    const auth = await serveRole('auth', {}, dir, ['--config', 'app.cjs']);
    try {
      expect((await postJson(`${auth.url}/auth/token/`, {})).status).to.equal(400);
    } finally {
      await auth.stop();
    }
    const tables = await sqliteRows(join(dir, 'auth.sqlite3'), "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'example_team'");
    expect(tables).to.deep.equal([{ name: 'example_team' }]);
    // Nothing left to write: the tables match.
    const again = await runCli(['makemigrations', '--config', 'app.cjs', '--name', 'Again'], {}, dir);
    expect(again.stdout).to.contain('sqlite: the tables match the entities, nothing written');
    expect(readdirSync(join(dir, 'migrations'))).to.have.length(1);
  });

  it('refuses a module of the wrong shape with one line naming the key', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'bad.cjs'), `module.exports = { claims: { team: () => 'x' } };\n`);
    const result = await runCli(['serve', 'auth', '--port', '0', '--config', 'bad.cjs'], {}, dir);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal('easyjwt: config module bad.cjs: `claims` must be an array of {key, build}\n');
    writeFileSync(join(dir, 'typo.cjs'), `module.exports = { setings: {} };\n`);
    const typo = await runCli(['settings', '--config', 'typo.cjs'], {}, dir);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.match(/^easyjwt: config module typo\.cjs: `setings` is not a config module key/);
    writeFileSync(join(dir, 'default.mjs'), `export default { settings: {} };\n`);
    const byDefault = await runCli(['settings', '--config', 'default.mjs'], {}, dir);
    expect(byDefault.code).to.equal(2);
    expect(byDefault.stderr).to.match(/^easyjwt: config module default\.mjs: `default` is not read: export settings, serializer, \.\.\. by name/);
  });

  forEachDialect((dialect) => {
    it("makemigrations --client writes a client-service's table for each dialect, and serve client then starts", async () => {
      const dir = scratchDir();
      const url = dialect === 'sqlite' ? `sqlite:${join(dir, 'client.sqlite3')}` : await freshDatabaseUrl(dialect);
      writeFileSync(
        join(dir, 'client.cjs'),
        `${TEAM_ENTITY}module.exports.settings = { SIGNING_KEY: ${JSON.stringify(KEY)}, DATABASE_URL: ${JSON.stringify(url)} };\n`,
      );
      // No auth-service is needed to find the missing table: the start stops before anything else.
      const args = ['serve', 'client', '--port', '0', '--config', 'client.cjs', '--auth-url', 'http://127.0.0.1:9'];
      const refused = await runCli(args, {}, dir);
      expect(refused.code).to.equal(2);
      expect(refused.stderr).to.match(
        /^easyjwt: table example_team does not exist: run `easyjwt makemigrations --config client\.cjs --client --name Team` and restart\n$/m,
      );

      const mysql = process.env.EASYJWT_TEST_MYSQL_URL;
      const made = await runCli(
        ['makemigrations', '--config', 'client.cjs', '--client', '--name', 'Team'],
        mysql ? { EASYJWT_MIGRATION_MYSQL_URL: mysql } : {},
        dir,
      );
      expect(made.code, made.stderr).to.equal(0);
      const files = readdirSync(join(dir, 'migrations')).map((file) => file.replace(/^\d{13}/, 'STAMP'));
      expect(files).to.deep.equal(mysql ? ['STAMP-Team.mariadb.js', 'STAMP-Team.sqlite.js'] : ['STAMP-Team.sqlite.js']);

      const client = await serveRole('client', {}, dir, ['--config', 'client.cjs', '--auth-url', 'http://127.0.0.1:9']);
      expect(await client.stop()).to.equal(0);
      const dataSource = createDataSource(url);
      await dataSource.initialize();
      const runner = dataSource.createQueryRunner();
      try {
        expect(await runner.hasTable('example_team')).to.equal(true);
        expect(await runner.hasTable('easyjwt_local_user')).to.equal(true);
      } finally {
        await runner.release();
        await dataSource.destroy();
      }
    });
  });
});
