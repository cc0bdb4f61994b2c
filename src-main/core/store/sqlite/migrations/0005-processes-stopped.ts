// SQLite cache, version 5: how many processes Jobdeck stopped as a run ended.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0005 = Object.freeze({
  version: 5,
  name: 'processes a run left behind',
  sql: `
      -- How many processes Jobdeck stopped at the end of a run: at cancel or timeout, or left
      -- running after the main process exited (found by their JOBDECK_RUN_ID).
      ALTER TABLE runs ADD COLUMN processes_stopped INTEGER NOT NULL DEFAULT 0;
    `,
})
