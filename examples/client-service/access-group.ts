// The client-service's extra data about a user: the access level the auth-service serves as
// `accessgroup: {user_type}`, kept one-to-one with the local user copy and replaced on every sync.
import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { LocalUser } from 'koa-easyjwt';

/**
 * One row per user copy that has an access level. Property names are the nested JSON's keys
 * (`user_type`), which is how ClientUserSerializer fills them.
 */
@Entity('example_access_group')
export class AccessGroup {
  /** The auth-service's user id, as in `easyjwt_local_user`. */
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @OneToOne(() => LocalUser, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: LocalUser;

  @Column({ name: 'user_type', type: 'varchar', length: 100, nullable: true })
  user_type!: string | null;
}
