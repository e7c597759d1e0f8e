// A group of users sharing permissions, as Django's auth.Group.
import { Column, Entity, JoinTable, ManyToMany, PrimaryGeneratedColumn } from 'typeorm';
import { Permission } from './permission';

/** A named set of permissions; users in it hold them all. */
@Entity('easyjwt_group')
export class Group {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 150, unique: true })
  name: string;

  @ManyToMany(() => Permission)
  @JoinTable({
    name: 'easyjwt_group_permissions',
    joinColumn: { name: 'group_id', referencedColumnName: 'id' },
    inverseJoinColumn: { name: 'permission_id', referencedColumnName: 'id' },
  })
  permissions: Permission[];
}
