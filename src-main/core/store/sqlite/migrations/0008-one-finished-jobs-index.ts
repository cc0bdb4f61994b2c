// SQLite cache, version 8: one index of finished jobs, not two.
export const migration0008 = Object.freeze({
  version: 8,
  name: 'one index of finished jobs',
  sql: `
      -- Version 6's jobs_status_finished (status, finished_at DESC, id DESC) also serves what
      -- version 1's jobs_finished (finished_at) was for: clearing finished jobs before a time is
      -- status IN (the terminal ones) AND finished_at < t, a range per status. Two indexes cost
      -- every finish two index writes (the no-op queue measured 4-6 % slower with both).
      DROP INDEX jobs_finished;
    `,
})
