// The one error hierarchy. Every failure a client can see is an EasyJwtError (easyjwt-error.ts),
// one class per failure, grouped here by what was wrong: the request, the credentials, the token,
// the permission. The HTTP layer renders them in one place; everything else only throws them.
export * from './easyjwt-error';
export * from './request-errors';
export * from './authentication-errors';
export * from './token-errors';
export * from './permission-errors';
export * from './throttle-errors';
export * from './provider-errors';
export * from './startup-errors';
