// Security shared by every front end: TLS material, bearer-token auth with
// tenant binding, and per-client limits.
export { Authenticator, bearerToken, type HeaderSource, type Identity, tenantFor } from "./auth.js";
export {
  grpcStatusOf,
  httpStatusOf,
  LimitExceededError,
  OverloadedError,
  PermissionDeniedError,
  UnauthenticatedError,
} from "./errors.js";
export { checkSize, RateLimiter, TokenBucket } from "./limits.js";
export { Security } from "./security.js";
export {
  describeTls,
  grpcServerCredentials,
  httpsServerOptions,
  loadTls,
  type TlsMaterial,
} from "./tls.js";
