// Every token the auth-service issues, remembered by its jti (never the token string itself).
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { timestamp } from './columns';
import { Session } from './session';

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

  /** Indexed: collectTree walks down the tree by it (MariaDB's FK index alone is not SQLite's). */
  @Index('ix_token_parent')
  @Column({ name: 'parent_id', type: 'integer', nullable: true })
  parentId: number | null;

  /** The login this token belongs to (null for a token first seen at refresh, issued elsewhere). */
  @ManyToOne(() => Session, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'session_id' })
  session: Session | null;

  @Index('ix_token_session')
  @Column({ name: 'session_id', type: 'integer', nullable: true })
  sessionId: number | null;

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

  /**
   * Set when the registry expired the token before its `exp` (the expire endpoint, a session
   * ended, logout-all, reuse detected, TOKEN_EXPIRE_ON_REFRESH). Kept apart from `revokedAt` so
   * callers get a code that says which happened.
   */
  @Column(timestamp({ name: 'expired_at', nullable: true }))
  expiredAt: Date | null;

  /** When rotation replaced this refresh token: presenting it after the grace window is reuse. */
  @Column(timestamp({ name: 'rotated_at', nullable: true }))
  rotatedAt: Date | null;

  /**
   * The rotation that replaced this refresh token: the `jti`, `iat` and `exp` of the refresh token
   * and of the access token it answered (set together with `rotatedAt`). A replay inside the grace
   * window signs those same tokens again instead of new ones, so a login keeps one live chain
   * (the token strings themselves are never stored).
   */
  @Column({ name: 'successor_jti', type: 'varchar', length: 32, nullable: true })
  successorJti: string | null;

  @Column(timestamp({ name: 'successor_issued_at', nullable: true }))
  successorIssuedAt: Date | null;

  @Column(timestamp({ name: 'successor_expires_at', nullable: true }))
  successorExpiresAt: Date | null;

  @Column({ name: 'successor_access_jti', type: 'varchar', length: 32, nullable: true })
  successorAccessJti: string | null;

  @Column(timestamp({ name: 'successor_access_issued_at', nullable: true }))
  successorAccessIssuedAt: Date | null;

  @Column(timestamp({ name: 'successor_access_expires_at', nullable: true }))
  successorAccessExpiresAt: Date | null;

  @Column(timestamp({ name: 'created_at' }))
  createdAt: Date;
}
