// A permission as Django has it: `app_label.codename`, granted to users directly or through groups.
import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** One permission, named `app_label.codename` in checks such as `@JwtPermRequired('app.view')`. */
@Entity('easyjwt_permission')
@Unique('uq_permission_app_codename', ['appLabel', 'codename'])
export class Permission {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'app_label', type: 'varchar', length: 100 })
  appLabel: string;

  @Column({ type: 'varchar', length: 100 })
  codename: string;

  @Column({ type: 'varchar', length: 255, default: '' })
  name: string;

  /** The dotted name used in permission checks. */
  get key(): string {
    return `${this.appLabel}.${this.codename}`;
  }
}
