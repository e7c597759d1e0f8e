// An auth-service a team would start from: the library's factory, a serializer that adds the
// user's groups to `/auth/user/`, and the settings a production deployment sets.
// Run: npm run build && EASYJWT_SIGNING_KEY=$(openssl rand -hex 32) node dist/examples/auth-service/main.js
import 'reflect-metadata';
import { createAuthService, User, UserJson, UserSerializer } from '../../src';

/** Adds the names of the user's groups; client-services can authorise on them. */
export class GroupsSerializer extends UserSerializer {
  protected override extra(user: User): UserJson {
    return { groups: (user.groups ?? []).map((group) => group.name) };
  }
}

export async function main(env: NodeJS.ProcessEnv = process.env) {
  const service = await createAuthService({
    settings: {
      SIGNING_KEY: env.EASYJWT_SIGNING_KEY,
      DATABASE_URL: env.EASYJWT_DATABASE_URL ?? 'sqlite:data/example-auth.sqlite3',
      ACCESS_TOKEN_LIFETIME: '10m',
      ROTATE_REFRESH_TOKENS: true,
      BLACKLIST_AFTER_ROTATION: true,
      UPDATE_LAST_LOGIN: true,
      PORT: env.PORT ?? 8000,
      LOG_LEVEL: env.EASYJWT_LOG_LEVEL ?? 'info',
    },
    serializer: new GroupsSerializer(),
  });
  const listening = await service.listen();
  service.logger.info({ url: listening.url }, 'example auth-service listening');
  return { service, listening };
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
