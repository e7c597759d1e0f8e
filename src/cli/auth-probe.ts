// One look at the auth-service when `serve client` starts: a URL that points at the wrong service
// (or a wrong port) otherwise shows only as a 404 or a 503 at the first login. An auth-service may
// start after its clients, so what is found here is a warning, never a reason to stop.
import type { ClientSettings } from '../client-service/client-settings';
import type { AuthServiceClient, UpstreamReply } from '../client-service/upstream';
import { causeText } from '../errors';
import type { Logger } from '../logger';

/**
 * POSTs an empty body to the token path, which an auth-service answers with 400 and a field
 * error per missing credential (DRF's shape: `{"password": ["This field is required."]}`); warns
 * when the answer is anything else or does not come. Resolves with whether it answered so.
 *
 * @example
 *   await probeAuthService(new AuthServiceClient(settings), settings, logger);
 */
export async function probeAuthService(upstream: AuthServiceClient, settings: ClientSettings, logger: Logger): Promise<boolean> {
  const url = settings.REMOTE_AUTH_SERVICE_URL;
  const path = settings.REMOTE_AUTH_SERVICE_TOKEN_PATH;
  let reply: UpstreamReply;
  try {
    reply = await upstream.post(path, {});
  } catch (error) {
    logger.warn(
      { authService: url, reason: causeText(error as Error) },
      `the auth-service at ${url} does not answer: logins and remote verification get 503 until it does`,
    );
    return false;
  }
  const fieldErrors = reply.status === 400 && Object.values(reply.body).some((value) => Array.isArray(value));
  if (!fieldErrors) {
    logger.warn(
      { authService: url, status: reply.status },
      `${url} does not answer like an auth-service: POST ${path} with no credentials got ${reply.status}, not 400 with field errors (is REMOTE_AUTH_SERVICE_URL its base URL?)`,
    );
  }
  return fieldErrors;
}
