// One login: the family of tokens grown from one obtained refresh token by refreshes and
// rotations. Ending a session ends its whole family with one indexed update.
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { timestamp } from './columns';
import { Device } from './device';
import { User } from './user';

/**
 * A login and where it came from. `expiresAt` follows the family's newest refresh token, so a
 * session is active while `expiredAt` is null and `expiresAt` is in the future.
 */
@Entity('easyjwt_session')
@Index('ix_session_user', ['userId', 'expiredAt'])
export class Session {
  @PrimaryGeneratedColumn()
  id: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user: User;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @ManyToOne(() => Device, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'device_id' })
  device: Device | null;

  @Column({ name: 'device_id', type: 'integer', nullable: true })
  deviceId: number | null;

  /** The client address at login. */
  @Column({ type: 'varchar', length: 45, default: '' })
  ip: string;

  @Column(timestamp({ name: 'created_at' }))
  createdAt: Date;

  /** The last obtain or refresh of this family. */
  @Column(timestamp({ name: 'last_used_at' }))
  lastUsedAt: Date;

  /** The `exp` of the family's newest refresh token. */
  @Index('ix_session_expires_at')
  @Column(timestamp({ name: 'expires_at' }))
  expiresAt: Date;

  /** `created_at` + SESSION_MAX_LIFETIME: no refresh is answered from then on (null: no cap). */
  @Column(timestamp({ name: 'ends_at', nullable: true }))
  endsAt: Date | null;

  /** Set when the session was ended: expire endpoint, DELETE, logout-all, reuse detected. */
  @Column(timestamp({ name: 'expired_at', nullable: true }))
  expiredAt: Date | null;
}
