import type { FunctionMatcher } from './patterns.js';

/** Who is calling, as authentication established it. Never holds the token itself. */
export interface Principal {
  /** Stable identity for logs, audit and session binding: `anonymous`, `token:<name>`, `jwt:<sub>`. */
  subject: string;
  kind: 'anonymous' | 'static-token' | 'jwt';
  scopes: string[];
  clientId?: string;
  /** Seconds since the epoch, when the credential expires. */
  expiresAt?: number;
  /** Function-level authorization: which functions this caller may see and invoke. */
  functions: FunctionMatcher;
}
