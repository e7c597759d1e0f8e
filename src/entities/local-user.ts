// A client-service's copy of a user it has seen, keyed by the auth-service's user id.
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { timestamp } from './columns';

/**
 * The local copy of an auth-service user. The id is the auth-service's, never a new local one, so
 * every client-service names a user the same way. Only the fields the service's serializer
 * declares are filled; `syncedAt` says when the copy was last refreshed from the auth-service.
 */
@Entity('easyjwt_local_user')
export class LocalUser {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'varchar', length: 254, default: '' })
  email: string;

  @Column({ name: 'first_name', type: 'varchar', length: 150, default: '' })
  firstName: string;

  @Column({ name: 'last_name', type: 'varchar', length: 150, default: '' })
  lastName: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  @Column({ name: 'is_staff', type: 'boolean', default: false })
  isStaff: boolean;

  @Column({ name: 'is_superuser', type: 'boolean', default: false })
  isSuperuser: boolean;

  @Column(timestamp({ name: 'date_joined', nullable: true }))
  dateJoined: Date | null;

  @Column(timestamp({ name: 'last_login', nullable: true }))
  lastLogin: Date | null;

  /** `app_label.codename` names, when the auth-service's user JSON carries `permissions`. */
  @Column({ type: 'simple-json' })
  permissions: string[];

  @Column(timestamp({ name: 'synced_at' }))
  syncedAt: Date;
}
