// The auth-service's asymmetric keys when they live in the database (ALGORITHM asymmetric and no
// SIGNING_KEY): every instance reads this table, so a key added or retired here reaches them all.
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { timestamp } from './columns';

/**
 * One key pair. It is published (JWKS) and verifies from the moment it is stored; it signs from
 * `signsFrom`, once every instance and client has had time to see it; it verifies until
 * `verifyUntil` (null while it is in use), when the last token it signed has expired or, for a
 * compromised key, at once.
 */
@Entity('easyjwt_signing_key')
export class SigningKeyRecord {
  @PrimaryGeneratedColumn()
  id: number;

  /** The RFC 7638 thumbprint of the public key (43 characters), the tokens' `kid`. */
  @Index('uq_signing_key_kid', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  kid: string;

  @Column({ type: 'varchar', length: 8 })
  algorithm: string;

  /** PKCS#8 PEM: whoever reads this table can sign tokens, so guard the database as the key. */
  @Column({ name: 'private_key', type: 'text' })
  privateKey: string;

  /** The public key as a JWK (JSON), as the JWKS endpoint publishes it. */
  @Column({ name: 'public_jwk', type: 'text' })
  publicJwk: string;

  @Column(timestamp({ name: 'created_at' }))
  createdAt: Date;

  @Column(timestamp({ name: 'signs_from' }))
  signsFrom: Date;

  @Column(timestamp({ name: 'verify_until', nullable: true }))
  verifyUntil: Date | null;
}
