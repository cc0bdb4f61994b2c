// SQLite, version 12: "Start now" (jobs.startNow). A waiting job may pass the resource gate once
// at its next claim (`jobs.start_now`, cleared by that claim), and its run records that it did
// (`runs.gate_bypassed`), so History shows a run the gate would have held.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0012 = Object.freeze({
  version: 12,
  name: 'start now',
  sql: `
      ALTER TABLE jobs ADD COLUMN start_now INTEGER NOT NULL DEFAULT 0 CHECK (start_now IN (0, 1));
      ALTER TABLE runs ADD COLUMN gate_bypassed INTEGER NOT NULL DEFAULT 0 CHECK (gate_bypassed IN (0, 1));
    `,
})
