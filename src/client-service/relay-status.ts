// How a client-service passes the status of an auth-service answer on to its own caller.
import type { Context } from 'koa';
import { BEARER_CHALLENGE } from '../errors';
import type { UpstreamReply } from './upstream';

/**
 * Sets the upstream status on the response, with the challenge every 401 of ours carries, whether
 * or not the upstream sent one.
 *
 * @example
 *   const reply = await upstream.post(settings.REMOTE_AUTH_SERVICE_VERIFY_PATH, body);
 *   relayStatus(ctx, reply);
 */
export function relayStatus(ctx: Context, reply: Pick<UpstreamReply, 'status' | 'retryAfter'>): void {
  ctx.status = reply.status;
  if (reply.status === 401) ctx.set('WWW-Authenticate', BEARER_CHALLENGE);
  // The auth-service's throttle: the caller learns when to try again.
  if (reply.status === 429 && reply.retryAfter !== undefined) ctx.set('Retry-After', reply.retryAfter);
}
