// The entities, listed explicitly (never globbed) so a bundle or a second copy cannot miss one.
import { Group } from './group';
import { Permission } from './permission';
import { Token } from './token';
import { TokenUserConnection } from './token-user-connection';
import { User } from './user';

export { Group, Permission, Token, TokenUserConnection, User };

export const entities = [User, Group, Permission, Token, TokenUserConnection];
