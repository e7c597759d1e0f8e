// Which user a token was issued to, kept apart from Token as wc-django-jwt does, so a token can
// be recorded before (or without) knowing its user and users can be purged without their tokens.
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Token } from './token';
import { User } from './user';

/** Links one user to one token; the pair is unique. */
@Entity('easyjwt_token_user')
@Unique('uq_token_user_pair', ['userId', 'tokenId'])
export class TokenUserConnection {
  @PrimaryGeneratedColumn()
  id: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user: User;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @ManyToOne(() => Token, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'token_id' })
  token: Token;

  /** Indexed so deleting tokens (the archiver) finds their links without a scan on SQLite. */
  @Index('ix_token_user_token')
  @Column({ name: 'token_id', type: 'integer' })
  tokenId: number;
}
