// Identities at external identity providers, linked to local users: the social exchange finds a
// user by the provider's subject here, never by email, so an email changed at the provider (or
// reused by someone else) never moves a sign-in to another account.
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { timestamp } from './columns';
import { User } from './user';

/**
 * One (provider, subject) pair and the user it signs in as. A user may have several, one per
 * provider account; a pair belongs to one user only.
 */
@Entity('easyjwt_external_identity')
@Unique('uq_external_identity_provider_subject', ['provider', 'subject'])
export class ExternalIdentity {
  @PrimaryGeneratedColumn()
  id: number;

  /** The provider's name in OIDC_PROVIDERS. */
  @Column({ type: 'varchar', length: 64 })
  provider: string;

  /**
   * The id token's `sub`: at most 255 ASCII characters (OIDC Core 2). Together with the provider
   * name the unique key stays under InnoDB's 3072-byte limit, so it covers both columns whole.
   */
  @Column({ type: 'varchar', length: 255 })
  subject: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user: User;

  @Index('ix_external_identity_user')
  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  /** The email the provider gave when the link was made, for operators reading the table. */
  @Column({ type: 'varchar', length: 254, default: '' })
  email: string;

  @Column(timestamp({ name: 'created_at' }))
  createdAt: Date;

  @Column(timestamp({ name: 'last_used_at' }))
  lastUsedAt: Date;
}
