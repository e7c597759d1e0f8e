// Every token the auth-service issues, remembered by its jti (never the token string itself).
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { timestamp } from './columns';

/**
 * One issued token. A refresh token is the parent of the access tokens refreshed from it, and a
 * rotated refresh token is the child of the one it replaced, so a login's tokens form a tree.
 */
@Entity('easyjwt_token')
export class Token {
  @PrimaryGeneratedColumn()
  id: number;

  @Index('uq_token_jti', { unique: true })
  @Column({ type: 'varchar', length: 32 })
  jti: string;

  @Column({ name: 'token_type', type: 'varchar', length: 16 })
  tokenType: string;

  @ManyToOne(() => Token, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'parent_id' })
  parent: Token | null;

  @Column({ name: 'parent_id', type: 'integer', nullable: true })
  parentId: number | null;

  /** The token's `iat`. */
  @Column(timestamp({ name: 'issued_at' }))
  issuedAt: Date;

  /** The token's `exp`; the archiver deletes by it. */
  @Index('ix_token_expires_at')
  @Column(timestamp({ name: 'expires_at' }))
  expiresAt: Date;

  /** Set when the token is blacklisted or revoked (logout, password change, rotation). */
  @Column(timestamp({ name: 'revoked_at', nullable: true }))
  revokedAt: Date | null;

  @Column(timestamp({ name: 'created_at' }))
  createdAt: Date;
}
