// One revocation as client-services and other auth-service instances read it from the feed: a
// token refused by jti, a cutoff on a user's tokens, or a user whose copies must be re-read. The
// autoincrement id is the feed's cursor; a row lives only as long as the tokens it voids could.
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { timestamp } from './columns';

/** What a revocation row says (see RevocationEntry). */
export type RevocationKind = 'jti' | 'user' | 'user_changed';

/**
 * A revocation. No foreign key to the user: a deleted user's cutoff must outlive their row.
 */
@Entity('easyjwt_revocation')
export class RevocationRecord {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 16 })
  kind: RevocationKind;

  /** The refused token's jti (kind `jti`). */
  @Column({ type: 'varchar', length: 32, nullable: true })
  jti: string | null;

  /** Whose tokens or copies (kinds `user` and `user_changed`). */
  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId: number | null;

  /** Kind `user`: tokens issued at or before this second are void. */
  @Column(timestamp({ name: 'not_after', nullable: true }))
  notAfter: Date | null;

  /** When the row stops mattering: the token's `exp`, or a cutoff's last possible `exp`. */
  @Index('ix_revocation_expires_at')
  @Column(timestamp({ name: 'expires_at' }))
  expiresAt: Date;

  @Column(timestamp({ name: 'created_at' }))
  createdAt: Date;
}
