// SQLite, version 14: API tokens (issue 17) for programs and users calling `jobdeck serve` over
// HTTP, in local mode. Only the SHA-256 of a token is kept (hex), never the token: the file holds
// nothing a client could send. A revoked token keeps its row (and so its name, which the audit
// log names it by); times are epoch milliseconds.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0014 = Object.freeze({
  version: 14,
  name: 'api tokens',
  sql: `
      CREATE TABLE api_tokens (
        name TEXT NOT NULL PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        expires_at INTEGER,
        last_used_at INTEGER,
        revoked_at INTEGER
      );
`,
})
