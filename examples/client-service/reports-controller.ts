// The example client-service's own routes: reports for users holding `reports.view`, some of them
// only for an access level, and the current user as this service knows them.
import type { Principal } from 'koa-easyjwt';
import { AuthUser, JwtLoginRequired, JwtPermRequired, JwtRequireThat } from 'koa-easyjwt';
import { Controller, Get } from 'routing-controllers';

/** The user's `accessgroup.user_type`, or '' when they have none. */
export function userTypeOf(user: Principal): string {
  const group = user.data.accessgroup as { user_type?: unknown } | null | undefined;
  return typeof group?.user_type === 'string' ? group.user_type : '';
}

/**
 * Admits users whose user_type starts with `level`: a `gold` route admits `gold` and `gold-plus`.
 * Others get 403 with a message saying which level the route needs. (django-easyjwt's README
 * compares the other way round, `access_level.startswith(user_type)`; pick the rule that matches
 * how your levels are named.)
 *
 * @example
 *   @Get('/gold/') @AccessLevel('gold') gold() { ... }
 */
export const AccessLevel = (level: string) =>
  JwtRequireThat((user) => userTypeOf(user).startsWith(level), `Your access level does not include ${level} reports.`);

const REPORTS = [
  { id: 1, title: 'Monthly sales', level: 'silver' },
  { id: 2, title: 'Churn forecast', level: 'gold' },
];

/** GET /reports/, /reports/silver/, /reports/gold/: all need `reports.view` first. */
@Controller('/reports')
@JwtPermRequired('reports.view')
export class ReportsController {
  @Get('/')
  list() {
    return REPORTS.map(({ id, title, level }) => ({ id, title, level }));
  }

  @Get('/silver/')
  @AccessLevel('silver')
  silver() {
    return REPORTS.filter((report) => report.level === 'silver');
  }

  @Get('/gold/')
  @AccessLevel('gold')
  gold() {
    return REPORTS.filter((report) => report.level === 'gold');
  }
}

/** GET /me/: the local copy of the current user, extra data included. */
@Controller()
export class ProfileController {
  @Get('/me/')
  @JwtLoginRequired()
  me(@AuthUser() user: Principal) {
    return user.data;
  }
}
