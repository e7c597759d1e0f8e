// An auth-service a team would start from: the library's factory, a serializer that adds the
// user's groups, permissions and access level (`accessgroup: {user_type}`) to `/auth/user/`, and the
// settings a production deployment sets. On start it creates the example users if they are missing.
//
// Run (one command; the client-service example needs the same key):
//   EASYJWT_SIGNING_KEY=<a shared secret of 32+ bytes> npm run example:auth
// Environment: EASYJWT_SIGNING_KEY (required), EASYJWT_DATABASE_URL (default
// sqlite:data/example-auth.sqlite3), PORT (default 8000), EASYJWT_LOG_LEVEL (default info).
import 'reflect-metadata';
import type { AuthService, SettingsInput } from 'koa-easyjwt';
import { createAuthService } from 'koa-easyjwt';
import { ExampleUserSerializer, setAccessLevel } from './access-levels';

export { ExampleUserSerializer, setAccessLevel } from './access-levels';

/** The users the example creates: an access level, and the permission the reports need or not. */
export const EXAMPLE_USERS = [
  { email: 'gold@test.com', password: 'gold-pass', accessLevel: 'gold-plus', permissions: ['reports.view'] },
  { email: 'silver@test.com', password: 'silver-pass-1', accessLevel: 'silver', permissions: ['reports.view'] },
  { email: 'guest@test.com', password: 'guest-pass', accessLevel: 'gold', permissions: [] },
] as const;

/** Creates the example users that do not exist yet. */
export async function seedExampleUsers(service: AuthService): Promise<void> {
  for (const { accessLevel, permissions, ...credentials } of EXAMPLE_USERS) {
    if (await service.users.findByLogin('email', credentials.email)) continue;
    const user = await service.users.create({ ...credentials, permissions });
    await setAccessLevel(service, user.id, accessLevel);
  }
}

export async function main(env: NodeJS.ProcessEnv = process.env, options: { seed?: boolean } = {}) {
  const service = await createAuthService({
    settings: {
      SIGNING_KEY: env.EASYJWT_SIGNING_KEY,
      DATABASE_URL: env.EASYJWT_DATABASE_URL ?? 'sqlite:data/example-auth.sqlite3',
      ACCESS_TOKEN_LIFETIME: '10m',
      ROTATE_REFRESH_TOKENS: true,
      BLACKLIST_AFTER_ROTATION: true,
      UPDATE_LAST_LOGIN: true,
      // Environment strings are checked at start-up; the casts only let them through to that check.
      PORT: (env.PORT ?? 8000) as SettingsInput['PORT'],
      LOG_LEVEL: (env.EASYJWT_LOG_LEVEL ?? 'info') as SettingsInput['LOG_LEVEL'],
    },
    serializer: new ExampleUserSerializer(),
  });
  if (options.seed ?? true) await seedExampleUsers(service);
  const listening = await service.listen();
  service.logger.info({ url: listening.url }, 'example auth-service listening');
  return { service, listening };
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
