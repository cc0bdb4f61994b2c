// What a transport needs of the API tokens: who a bearer secret belongs to, or nobody.
import type { Caller } from '../../../src-shared/access'

export interface TokenVerifier {
  /**
   * The token's caller (its name and role), or null when the secret is unknown, expired or
   * revoked. A revocation is seen within a second; never throws for a bad secret.
   */
  verify(secret: string): Promise<Caller | null>
}
