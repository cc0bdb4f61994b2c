// SQLite cache, version 6: finished jobs by status and time, for jobs.list.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0006 = Object.freeze({
  version: 6,
  name: 'finished jobs by status and time',
  sql: `
      -- jobs.list: finished jobs of one status, newest first, with keyset paging and a bounded
      -- count, e.g. the failures of the last 24 h among tens of thousands of failed jobs. Partial:
      -- a job enters it once, when it finishes, so enqueue and claim pay nothing for it.
      CREATE INDEX jobs_status_finished ON jobs (status, finished_at DESC, id DESC) WHERE finished_at IS NOT NULL;
    `,
})
