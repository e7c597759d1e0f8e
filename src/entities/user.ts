// The user the auth-service owns: Django's AbstractUser with email as the login.
import { Column, Entity, JoinTable, ManyToMany, PrimaryGeneratedColumn } from 'typeorm';
import { timestamp } from './columns';
import { Group } from './group';
import { Permission } from './permission';

/** The longest phone number stored, in characters: django-easyjwt's `max_length`. */
export const PHONE_MAX_LENGTH = 15;

/**
 * A user account. Emails are stored trimmed and lower-cased, and compared exactly: on MariaDB the
 * email and username columns use a binary collation (migration ExactIdentifiers; TypeORM does not
 * carry collations, so the entity cannot say it), so `alicé@x` is never `alice@x` there either,
 * and the unique index refuses `A@x` beside `a@x` because both are written as `a@x`.
 */
@Entity('easyjwt_user')
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 254, unique: true })
  email: string;

  /** Only used when LOGIN_FIELD is `username` (a Django user table imported as it is). */
  @Column({ type: 'varchar', length: 150, unique: true, nullable: true })
  username: string | null;

  /** `scrypt$...` or an imported `pbkdf2_sha256$...`; an unusable value never matches. */
  @Column({ type: 'varchar', length: 255 })
  password: string;

  @Column({ name: 'first_name', type: 'varchar', length: 150, default: '' })
  firstName: string;

  @Column({ name: 'last_name', type: 'varchar', length: 150, default: '' })
  lastName: string;

  /**
   * django-easyjwt's `phone`: up to 15 characters, null when never given (its model field is
   * nullable), which POST /create-user/ answers as it stores it. Free text: easyjwt checks no format.
   */
  @Column({ type: 'varchar', length: PHONE_MAX_LENGTH, nullable: true })
  phone: string | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  @Column({ name: 'is_staff', type: 'boolean', default: false })
  isStaff: boolean;

  @Column({ name: 'is_superuser', type: 'boolean', default: false })
  isSuperuser: boolean;

  @Column(timestamp({ name: 'date_joined' }))
  dateJoined: Date;

  @Column(timestamp({ name: 'last_login', nullable: true }))
  lastLogin: Date | null;

  /** Tokens issued at or before this second are refused: one comparison per request, no lookup. */
  @Column(timestamp({ name: 'password_changed_at', nullable: true }))
  passwordChangedAt: Date | null;

  /**
   * Set by logout-all: tokens issued at or before this second are refused. Read with the user the
   * request path already loads, so logging out everywhere costs later requests no lookup.
   */
  @Column(timestamp({ name: 'tokens_valid_after', nullable: true }))
  tokensValidAfter: Date | null;

  @ManyToMany(() => Group)
  @JoinTable({
    name: 'easyjwt_user_groups',
    joinColumn: { name: 'user_id', referencedColumnName: 'id' },
    inverseJoinColumn: { name: 'group_id', referencedColumnName: 'id' },
  })
  groups: Group[];

  @ManyToMany(() => Permission)
  @JoinTable({
    name: 'easyjwt_user_permissions',
    joinColumn: { name: 'user_id', referencedColumnName: 'id' },
    inverseJoinColumn: { name: 'permission_id', referencedColumnName: 'id' },
  })
  userPermissions: Permission[];
}
