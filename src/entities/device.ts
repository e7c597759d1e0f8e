// A device a user logged in from: one row per user and User-Agent, with what the agent says about
// itself parsed once (browser, OS, kind of device) so the sessions list needs no parsing per read.
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { timestamp } from './columns';
import { User } from './user';

/** Where a user's sessions come from; `fingerprint` is a SHA-256 of the User-Agent string. */
@Entity('easyjwt_device')
@Unique('uq_device_user_fingerprint', ['userId', 'fingerprint'])
export class Device {
  @PrimaryGeneratedColumn()
  id: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user: User;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  /**
   * Hex SHA-256 of the whole User-Agent: 64 characters the unique index covers entirely, however
   * long the agent. InnoDB caps an index key at 3072 bytes (768 utf8mb4 characters), so an index on
   * the agent itself could only cover a prefix, and agents sharing it would collide.
   */
  @Column({ type: 'varchar', length: 64 })
  fingerprint: string;

  /** The User-Agent as sent, cut to 512 characters (MariaDB refuses overlong values). */
  @Column({ name: 'user_agent', type: 'varchar', length: 512, default: '' })
  userAgent: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  browser: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  os: string;

  /** `desktop`, `mobile`, `tablet`, `tv`, `bot` or `` when the agent does not say. */
  @Column({ name: 'device_type', type: 'varchar', length: 16, default: '' })
  deviceType: string;

  /** The last client address seen from this device (NUM_PROXIES decides which address that is). */
  @Column({ type: 'varchar', length: 45, default: '' })
  ip: string;

  @Column(timestamp({ name: 'first_seen_at' }))
  firstSeenAt: Date;

  @Column(timestamp({ name: 'last_seen_at' }))
  lastSeenAt: Date;
}
