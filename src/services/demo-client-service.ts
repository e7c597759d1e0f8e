// The demo client-service of `easyjwt serve client` and `npm run demo`: the proxy endpoints, the
// demo routes (GET and POST /api/test/, GET /api/perm-test/ for holders of demo.view) and, under
// /app/, the single-page app of examples/spa/.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DemoController } from '../controllers/client-service/demo-controller';
import type { StaticFolderOptions } from '../http/static-files';
import { serveStaticFolder } from '../http/static-files';
import type { ClientService, ClientServiceOptions } from './client-service';
import { createClientService } from './client-service';

/** Where the demo page is served. */
export const DEMO_APP_PATH = '/app';

/** The folder of the demo page: examples/spa/ of the repository, from src/ or from dist/src/. */
export function demoAppDir(): string | null {
  const candidates = [resolve(__dirname, '..', '..', 'examples', 'spa'), resolve(__dirname, '..', '..', '..', 'examples', 'spa')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/**
 * The demo client-service, with the demo page mounted when the repository's examples/ is there (an
 * installed package ships without it). `app` says where the page is, or null. `page.connectTo`
 * lists the identity providers' origins the page may call for its sign-in with a provider.
 *
 * @example
 *   const { service, app } = await createDemoClientService({ settings: { REMOTE_AUTH_SERVICE_URL: url, DELIVERY_MODE: 'two-cookies' } });
 */
export async function createDemoClientService(
  options: ClientServiceOptions,
  page: StaticFolderOptions = {},
): Promise<{ service: ClientService; app: string | null }> {
  const service = await createClientService({ ...options, controllers: [DemoController, ...(options.controllers ?? [])] });
  const dir = demoAppDir();
  if (dir) service.app.use(serveStaticFolder(DEMO_APP_PATH, dir, page));
  return { service, app: dir ? `${DEMO_APP_PATH}/` : null };
}
