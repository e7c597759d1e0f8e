// The token endpoints' logic, free of HTTP, behind one object: obtain, refresh, verify, blacklist,
// logout and password changes. Each job lives in a file of its own; this only puts them together,
// so controllers, scripts and the CLI reach every job through `service.issuer`.
import { Accounts } from './accounts';
import type { IssuerParts } from './issuer-parts';
import type { ObtainedPair } from './obtain';
import { Obtainer } from './obtain';
import type { RefreshedTokens } from './refresh';
import { Refresher } from './refresh';
import { Revocation } from './revocation';

export type { ObtainedPair } from './obtain';
export type { RefreshedTokens } from './refresh';

/**
 * Issues, refreshes, verifies and blacklists tokens, and changes passwords.
 *
 * @example
 *   const { refresh, access } = await service.issuer.obtain('user@test.com', 'user-pass');
 *   await service.issuer.logout(refresh);
 */
export class TokenIssuer {
  private readonly obtainer: Obtainer;
  private readonly refresher: Refresher;
  private readonly revocation: Revocation;
  private readonly accounts: Accounts;

  constructor(parts: IssuerParts) {
    this.obtainer = new Obtainer(parts);
    this.refresher = new Refresher(parts);
    this.revocation = new Revocation(parts);
    this.accounts = new Accounts(parts);
  }

  /** See Obtainer.obtain. */
  obtain(...args: Parameters<Obtainer['obtain']>): Promise<ObtainedPair> {
    return this.obtainer.obtain(...args);
  }

  /** See Obtainer.issue: a pair for a user whose identity was established some other way. */
  issue(...args: Parameters<Obtainer['issue']>): Promise<ObtainedPair> {
    return this.obtainer.issue(...args);
  }

  /** See Refresher.refresh. */
  refresh(...args: Parameters<Refresher['refresh']>): Promise<RefreshedTokens> {
    return this.refresher.refresh(...args);
  }

  /** See Revocation.verify. */
  verify(raw: string): Promise<void> {
    return this.revocation.verify(raw);
  }

  /** See Revocation.blacklist. */
  blacklist(...args: Parameters<Revocation['blacklist']>): Promise<{ userId: number | null }> {
    return this.revocation.blacklist(...args);
  }

  /** See Revocation.logout. */
  logout(...args: Parameters<Revocation['logout']>): Promise<{ userId: number | null; blacklisted: boolean }> {
    return this.revocation.logout(...args);
  }

  /** See Accounts.changePassword. */
  changePassword(login: string, password: string, newPassword: string): Promise<void> {
    return this.accounts.changePassword(login, password, newPassword);
  }

  /** See Accounts.setPassword. */
  setPassword(userId: number, newPassword: string): Promise<number> {
    return this.accounts.setPassword(userId, newPassword);
  }
}
