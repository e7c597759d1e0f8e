// A client-service a team would start from: its own routes guarded by permission and access level,
// a serializer that keeps the auth-service's `accessgroup: {user_type}` in a table of its own, and
// the proxy endpoints (`/auth/token/` and friends) that forward to the auth-service.
//
// Run (one command, with the example auth-service running and the same key):
//   EASYJWT_SIGNING_KEY=<the auth-service's key> npm run example:client
// Then: curl -X POST http://127.0.0.1:8001/auth/token/ -H 'Content-Type: application/json' -d '{"email":"gold@test.com","password":"gold-pass"}'
//       curl http://127.0.0.1:8001/reports/gold/ -H "Authorization: Bearer $ACCESS"
// Environment: EASYJWT_AUTH_URL (default http://127.0.0.1:8000), EASYJWT_SIGNING_KEY (local
// verification; without it every new token is checked with the auth-service), EASYJWT_TOKEN_VERIFICATION,
// EASYJWT_CLIENT_DATABASE_URL (default sqlite:data/example-client.sqlite3), PORT (default 8001),
// EASYJWT_LOG_LEVEL (default info).
import 'reflect-metadata';
import type { ClientSettingsInput } from 'koa-easyjwt';
import { createClientService } from 'koa-easyjwt';
import { AccessGroup } from './access-group';
import { mariadbMigrations, sqliteMigrations } from './migrations';
import { ProfileController, ReportsController } from './reports-controller';
import { AccessGroupUserSerializer } from './user-serializer';

export { AccessGroup } from './access-group';
export { AccessLevel, ProfileController, ReportsController, userTypeOf } from './reports-controller';
export { AccessGroupUserSerializer } from './user-serializer';

export async function main(env: NodeJS.ProcessEnv = process.env) {
  const service = await createClientService({
    settings: {
      REMOTE_AUTH_SERVICE_URL: env.EASYJWT_AUTH_URL || 'http://127.0.0.1:8000',
      SIGNING_KEY: env.EASYJWT_SIGNING_KEY || undefined,
      // Environment strings are checked at start-up; the casts only let them through to that check.
      TOKEN_VERIFICATION: (env.EASYJWT_TOKEN_VERIFICATION || 'auto') as ClientSettingsInput['TOKEN_VERIFICATION'],
      DATABASE_URL: env.EASYJWT_CLIENT_DATABASE_URL || 'sqlite:data/example-client.sqlite3',
      // Permission and access-level changes reach this service within two minutes.
      USER_SYNC_MAX_AGE: '2m',
      PORT: (env.PORT ?? 8001) as ClientSettingsInput['PORT'],
      LOG_LEVEL: (env.EASYJWT_LOG_LEVEL ?? 'info') as ClientSettingsInput['LOG_LEVEL'],
    },
    serializer: new AccessGroupUserSerializer(),
    controllers: [ReportsController, ProfileController],
    entities: [AccessGroup],
    migrations: { sqlite: sqliteMigrations, mariadb: mariadbMigrations },
  });
  const listening = await service.listen();
  service.logger.info({ url: listening.url, verification: service.verification }, 'example client-service listening');
  return { service, listening };
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
