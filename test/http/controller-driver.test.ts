// ControllerDriver answers every request exactly as routing-controllers' stock Koa driver does,
// while serving parameterless routes and simple actions directly.
import 'reflect-metadata';
import { expect } from 'chai';
import Koa from 'koa';
import type { Context } from 'koa';
import { Body, Controller, createParamDecorator, Ctx, Get, Param, Post, UseAfter, UseBefore, useKoaServer } from 'routing-controllers';
import type { ControllerDriver } from '../../src/http/controller-driver';
import { createServiceApp, mountControllers } from '../../src/http/service-app';
import { listen, Listening } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { NotFound, PermissionDenied } from '../../src/errors';
import { call, TestResponse } from '../support/auth-service';

/** A custom parameter that resolves asynchronously, as a team's might (a lookup). */
const Later = () => createParamDecorator({ value: async (action) => `later:${(action.context as Context).method}` });
/** A custom parameter with a plain value. */
const Path = () => createParamDecorator({ value: (action) => (action.context as Context).path });

const order: string[] = [];
const stampBefore = (ctx: Context, next: () => Promise<unknown>) => {
  order.push('before');
  ctx.set('X-Before', '1');
  return next();
};
const stampAfter = (ctx: Context, next: () => Promise<unknown>) => {
  order.push('after');
  ctx.set('X-After', '1');
  return next();
};

@Controller('/things')
class ThingsController {
  @Get('/')
  list() {
    return [{ id: 1 }];
  }

  @Get('/mine/')
  mine(@Path() path: string, @Later() later: string) {
    return { path, later };
  }

  @Post('/')
  create(@Body() body: unknown) {
    return { received: body };
  }

  @Get('/async/')
  async later(@Ctx() ctx: Context) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { method: ctx.method, params: (ctx as unknown as { params: object }).params };
  }

  @Get('/refused/')
  refused() {
    throw new PermissionDenied('Not you.');
  }

  @Get('/rejected/')
  async rejected() {
    throw new PermissionDenied('Not you either.');
  }

  @Get('/wrapped/')
  @UseBefore(stampBefore)
  @UseAfter(stampAfter)
  wrapped() {
    order.push('action');
    return { wrapped: true };
  }

  @Get('/nothing/')
  nothing() {
    return undefined;
  }
}

@Controller('/items')
class ItemsController {
  // Declared before /special/, and matching it: the direct path must not take its requests.
  @Get('/:id/')
  one(@Param('id') id: number) {
    if (id === 404) throw new NotFound();
    return { id, type: typeof id };
  }

  @Get('/special/')
  special() {
    return { special: true };
  }
}

/** The stock driver, mounted the way service-app mounted it before ControllerDriver. */
function stockApp(): Koa {
  const app = createServiceApp({
    logger: createLogger('silent'),
    bodyLimit: 65536,
    service: { authenticator: { authenticate: () => Promise.reject(new Error('unused')) } },
  });
  const sub = new Koa();
  useKoaServer(sub, {
    controllers: [ThingsController, ItemsController],
    defaultErrorHandler: false,
    development: false,
    classTransformer: false,
    validation: false,
  });
  for (const middleware of sub.middleware) app.use(middleware);
  return app;
}

let driver: ControllerDriver;

function ourApp(): Koa {
  const app = createServiceApp({
    logger: createLogger('silent'),
    bodyLimit: 65536,
    service: { authenticator: { authenticate: () => Promise.reject(new Error('unused')) } },
  });
  driver = mountControllers(app, '', [ThingsController, ItemsController]);
  return app;
}

const REQUESTS: [string, RequestInit?][] = [
  ['/things/'],
  ['/things'],
  ['/THINGS/'],
  ['/things/mine/'],
  ['/Things/Mine'],
  ['/items/7/'],
  ['/items/404/'],
  ['/items/special/'],
  ['/things/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' }],
  ['/things/', { method: 'PUT' }],
  ['/things/', { method: 'OPTIONS' }],
  ['/things/', { method: 'HEAD' }],
  ['/things/async/'],
  ['/things/refused/'],
  ['/things/rejected/'],
  ['/things/wrapped/'],
  ['/things/nothing/'],
  ['/nowhere/'],
  ['/things/mine/extra/'],
];

/** What a comparison looks at: status, body and the headers a client can see. */
const shape = (r: TestResponse) => ({
  status: r.status,
  text: r.text,
  type: r.headers.get('content-type'),
  allow: r.headers.get('allow'),
  before: r.headers.get('x-before'),
  after: r.headers.get('x-after'),
  cache: r.headers.get('cache-control'),
});

describe('ControllerDriver', () => {
  let stock: Listening;
  let ours: Listening;
  before(async () => {
    stock = await listen(stockApp(), '127.0.0.1', 0);
    ours = await listen(ourApp(), '127.0.0.1', 0);
  });
  after(async () => {
    await stock.close();
    await ours.close();
  });

  for (const [path, init] of REQUESTS) {
    it(`answers ${init?.method ?? 'GET'} ${path} as the stock driver does`, async () => {
      const expected = shape(await call(stock.url + path, init));
      const actual = shape(await call(ours.url + path, init));
      expect(actual).to.deep.equal(expected);
    });
  }

  it('serves parameterless routes directly, except one that a route with parameters also matches', () => {
    expect(driver.directRoutes).to.include.members(['GET /things', 'HEAD /things', 'POST /things', 'GET /things/mine', 'GET /things/wrapped']);
    expect(driver.directRoutes.some((route) => route.includes('/items'))).to.equal(false);
  });

  it('lets a route with parameters declared first keep the paths it matches', async () => {
    // /items/:id/ is declared before /items/special/ and matches it: the router runs /:id/,
    // whose number parameter then refuses "special"; /special/ never answers.
    const response = await call(`${ours.url}/items/special/`);
    expect(response.status).to.equal(400);
    expect(response.body).to.not.deep.equal({ special: true });
  });

  it('resolves an asynchronous custom parameter before calling the action', async () => {
    const response = await call(`${ours.url}/things/mine/`);
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal({ path: '/things/mine/', later: 'later:GET' });
  });

  it('runs before-middlewares, the action, then after-middlewares, in that order', async () => {
    order.length = 0;
    const response = await call(`${ours.url}/things/wrapped/`);
    expect(response.status).to.equal(200);
    expect(order).to.deep.equal(['before', 'action', 'after']);
  });

  it('sets empty route params on a direct route, as the router would', async () => {
    const response = await call(`${ours.url}/things/async/`);
    expect(response.body).to.deep.equal({ method: 'GET', params: {} });
  });
});
