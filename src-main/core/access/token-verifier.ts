// What a transport needs of the API tokens: who a bearer secret belongs to, or nobody.
import type { Caller } from '../../../src-shared/access'

export interface TokenVerifier {
  /**
   * The token's caller (its name and role), or null when the secret is unknown, expired or
   * revoked. A revocation is seen within a second; never throws for a bad secret. Throws
   * `unavailable` (a transport answers 503) only in shared mode, when the shared database is
   * offline and this process has no list of tokens known to be current (api-tokens.ts).
   */
  verify(secret: string): Promise<Caller | null>
}
