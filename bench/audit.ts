// What the audit log adds to a change (issue 17): `jobs.enqueue` through dispatch, one FULL
// transaction each, without the audit log (the old path) and with it, in alternating rounds of
// one sitting. Ways to make the record durable before the answer:
// - the one built: appended to the change's own FULL commit, completed in a relaxed one;
// - a relaxed insert and the data dir's group fsync awaited (the built path for calls that
//   commit nothing locally; measured here by turning the appender off);
// - its own FULL commit (an fsync on the event loop per record);
// - for scale, a relaxed insert with a flush not awaited, or no flush (neither is durable at the answer).
// Serial calls (a script enqueuing one by one) and 16 in flight (an HTTP API under load), where
// the group fsync is shared by the records committed meanwhile.
import { performance } from 'node:perf_hooks'
import type { Caller } from '../src-shared/access'
import { AuditLog } from '../src-main/core/access/audit-log'
import type { AuditSink } from '../src-main/core/access/audit-sink'
import { dispatch } from '../src-main/core/services/dispatch'
import { AuditStore } from '../src-main/core/store/sqlite/audit-store'
import { WalSync } from '../src-main/core/store/sqlite/wal-sync'
import { fmt, report, tempCore } from './bench-support'

const CALLS = Number(process.env.BENCH_AUDIT_CALLS ?? 600)
const ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 3)
const CALLER: Caller = { who: 'bench-bot', role: 'operator' }

type Variant = 'none' | 'built' | 'group fsync' | 'own FULL commit' | 'background flush' | 'relaxed only'

/** Calls per second, and the process's CPU per call in µs (steadier than wall time on a busy disk). */
async function measure(core: ReturnType<typeof tempCore>['core'], audit: AuditSink | null, inFlight: number): Promise<{ rate: number; cpu: number }> {
  const target = { api: core.api, audit }
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  for (let done = 0; done < CALLS; done += inFlight) {
    const batch = Array.from({ length: Math.min(inFlight, CALLS - done) }, () => dispatch(target, 'jobs.enqueue', { type: 'noop', params: { n: 1 } }, CALLER))
    for (const result of await Promise.all(batch)) if (!result.ok) throw new Error(result.error.message)
  }
  const cpu = process.cpuUsage(cpu0)
  return { rate: CALLS / ((performance.now() - t0) / 1000), cpu: (cpu.user + cpu.system) / CALLS }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

export async function benchAudit(): Promise<Record<string, Record<Variant, number>>> {
  const env = tempCore(`jobs:\n  noop:\n    command: ["true"]\n    params:\n      n: { type: integer }\n`, { synchronous: 'FULL' })
  try {
    const core = env.core
    // The alternative: the same records, each committed FULL on its own.
    const ownCommit = new AuditLog({
      store: new AuditStore(core.store.db),
      relaxedTx: (fn) => core.store.tx(fn),
      durable: () => Promise.resolve(),
      shared: null,
      context: { secretParams: () => [] },
    })
    const relaxedLog = (durable: () => Promise<void>) =>
      new AuditLog({ store: new AuditStore(core.store.db), relaxedTx: (fn) => core.store.relaxedTx(fn), durable, shared: null, context: { secretParams: () => [] } })
    // Crash-safe at the answer, power-loss safe once a flush started then (not awaited) is done.
    const wal = new WalSync(`${core.store.db.name}-wal`)
    const flushInBackground = relaxedLog(() => {
      void wal.sync().catch(() => undefined)
      return Promise.resolve()
    })
    const relaxedOnly = relaxedLog(() => Promise.resolve())
    const variants: Array<[Variant, AuditSink | null]> = [
      ['none', null],
      ['built', core.audit],
      ['group fsync', core.audit],
      ['own FULL commit', ownCommit],
      ['relaxed only', relaxedOnly],
      ['background flush', flushInBackground],
    ]
    // Only the built variant appends to the change's commit; 'group fsync' is the same log without it.
    const run = (name: Variant, audit: AuditSink | null, inFlight: number): Promise<{ rate: number; cpu: number }> => {
      core.store.setCommitAppender(name === 'built' ? core.audit.appender : null)
      return measure(core, audit, inFlight)
    }
    const results: Record<string, Record<Variant, Array<{ rate: number; cpu: number }>>> = {}
    for (const inFlight of [1, 16]) {
      const key = inFlight === 1 ? 'serial' : `${inFlight} in flight`
      results[key] = { none: [], built: [], 'group fsync': [], 'own FULL commit': [], 'relaxed only': [], 'background flush': [] }
      await run('built', core.audit, inFlight) // warm-up
      for (let round = 0; round < ROUNDS; round++) {
        // Alternating, so the machine's load falls on every variant alike.
        const order = round % 2 === 0 ? variants : [...variants].reverse()
        for (const [name, audit] of order) results[key]![name].push(await run(name, audit, inFlight))
      }
    }
    const medians: Record<string, Record<Variant, number>> = {}
    for (const [key, byVariant] of Object.entries(results)) {
      const m = Object.fromEntries(Object.entries(byVariant).map(([name, values]) => [name, median(values.map((v) => v.rate))])) as Record<Variant, number>
      const cpu = Object.fromEntries(Object.entries(byVariant).map(([name, values]) => [name, median(values.map((v) => v.cpu))])) as Record<Variant, number>
      medians[key] = m
      const row = (label: string, name: Variant): [string, string] => [
        label,
        `${fmt(m[name], 0)} calls/s` + (name === 'none' ? ` (${fmt(1e6 / m.none, 0)} µs each)` : ` (${fmt(m[name] / m.none, 2)}×)`) + `, CPU ${fmt(cpu[name], 0)} µs/call`,
      ]
      report(`jobs.enqueue through dispatch, ${key}, synchronous=FULL, ${CALLS} calls × ${ROUNDS} alternating rounds (medians)`, [
        row('no audit log (old)', 'none'),
        row('audit: in the change\'s FULL commit, completed relaxed (built)', 'built'),
        row('audit: relaxed insert, group fsync awaited', 'group fsync'),
        row('audit: own FULL commit', 'own FULL commit'),
        row('audit: relaxed insert, flush not awaited', 'background flush'),
        row('audit: relaxed insert only (no fsync)', 'relaxed only'),
      ])
    }
    return medians
  } finally {
    await env.dispose()
  }
}
