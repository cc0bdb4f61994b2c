// What dispatch hands the audit log: one call that changes something, as dispatch saw it.
import type { ApiMethod } from '../../../src-shared/api'
import type { Caller } from '../../../src-shared/access'
import type { CallResult } from '../../../src-shared/wire'

/** One call that changes something, as dispatch saw it: who, what, the input as sent, and how it ended. */
export interface AuditedCall {
  caller: Caller
  method: ApiMethod
  /** The parsed input, or the raw one when the call was refused before parsing (a role too weak). */
  args: unknown
  result: CallResult
  at: number
}

/** Where dispatch records calls that change something (the audit log). */
export interface AuditSink {
  /** Resolves once the record is durable; dispatch answers after it. */
  record(call: AuditedCall): Promise<void> | void
}

