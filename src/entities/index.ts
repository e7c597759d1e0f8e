// The entities, listed explicitly (never globbed) so a bundle or a second copy cannot miss one.
import { Device } from './device';
import { ExternalIdentity } from './external-identity';
import { Group } from './group';
import { LocalUser } from './local-user';
import { Permission } from './permission';
import { RevocationRecord } from './revocation';
import { Session } from './session';
import { SigningKeyRecord } from './signing-key';
import { Token } from './token';
import { TokenUserConnection } from './token-user-connection';
import { PHONE_MAX_LENGTH, User } from './user';

export {
  Device,
  ExternalIdentity,
  Group,
  LocalUser,
  Permission,
  PHONE_MAX_LENGTH,
  RevocationRecord,
  Session,
  SigningKeyRecord,
  Token,
  TokenUserConnection,
  User,
};

/** The auth-service's entities. */
export const entities = [User, Group, Permission, Token, TokenUserConnection, Session, Device, SigningKeyRecord, RevocationRecord, ExternalIdentity];

/** A client-service's own entities (teams add theirs, such as extra-data tables). */
export const clientEntities = [LocalUser];
