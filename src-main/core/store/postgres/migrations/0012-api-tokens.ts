// PostgreSQL shared schema, version 12: API tokens (issue 17) in shared mode, so a token made on
// one instance is accepted by every instance. Only the SHA-256 of a token is kept (hex), never the
// token. A revoked token keeps its row (and its name, which the audit log names it by). Times are
// epoch milliseconds like every time here.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0012 = Object.freeze({
  version: 12,
  name: 'api tokens',
  sql: `
      CREATE TABLE jobdeck.api_tokens (
        name text PRIMARY KEY,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
        created_at bigint NOT NULL,
        created_by text NOT NULL,
        expires_at bigint,
        last_used_at bigint,
        revoked_at bigint
      );
    `,
})
