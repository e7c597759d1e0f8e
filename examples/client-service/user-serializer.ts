// Which parts of the auth-service's user JSON this service keeps: the standard fields (permissions
// among them) and the nested `accessgroup` object, stored in its own table.
import type { NestedData } from 'koa-easyjwt';
import { ClientUserSerializer } from 'koa-easyjwt';
import { AccessGroup } from './access-group';

/**
 * Keeps `accessgroup: {user_type}`; any other key inside `accessgroup`, and any top-level field
 * not declared (such as the auth-service's `groups`), is dropped.
 *
 * @example
 *   await createClientService({ settings, serializer: new AccessGroupUserSerializer(), entities: [AccessGroup] });
 */
export class AccessGroupUserSerializer extends ClientUserSerializer {
  override readonly nested: Readonly<Record<string, NestedData>> = {
    accessgroup: { entity: AccessGroup, fields: ['user_type'] },
  };
}
