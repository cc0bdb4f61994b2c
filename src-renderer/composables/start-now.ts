// "Start now" on a job the resource gate holds: a confirm that says what it does (it passes the
// gate once; lane and runner limits still apply), then `jobs.startNow`; the lists follow from
// events. Offered only while the job's wait reason is the gate (`startableNow`).
import { useDialog, useMessage } from 'naive-ui'
import { reactive } from 'vue'
import type { Job } from '../../src-shared/domain'
import type { GateBlock, WaitReason } from '../../src-shared/wait-reason'
import { call } from '../ipc'
import { startNowText } from '../wording'
import { useProblems } from './problems'

/** The gate holding a job, when "Start now" applies to it (not yet asked); else null. */
export function startableNow(job: Pick<Job, 'startNow'>, reason: WaitReason | null | undefined): GateBlock | null {
  return reason?.kind === 'gate' && !job.startNow ? reason.gate : null
}

export interface StartNow {
  /** Job ids with a call under way. */
  busy: ReadonlySet<string>
  /** Asks first; resolves true once the engine took it, false when kept waiting or refused. */
  ask(jobId: string, title: string, gate: GateBlock | null): Promise<boolean>
}

export function useStartNow(): StartNow {
  const dialog = useDialog()
  const message = useMessage()
  const problems = useProblems()
  const busy = reactive(new Set<string>())

  async function startNow(jobId: string, title: string, done: string): Promise<boolean> {
    busy.add(jobId)
    try {
      await call('jobs.startNow', { id: jobId })
      message.success(done, { duration: 5000 })
      return true
    } catch (e) {
      problems.show(`Could not start ${title} now (job ${jobId})`, e)
      return false
    } finally {
      busy.delete(jobId)
    }
  }

  return {
    busy,
    ask(jobId, title, gate) {
      const words = startNowText(title, jobId, gate)
      return new Promise((resolve) => {
        dialog.warning({
          title: words.title,
          content: words.content,
          positiveText: words.button,
          negativeText: 'Keep it waiting',
          onPositiveClick: () => {
            void startNow(jobId, title, words.done).then(resolve)
          },
          onNegativeClick: () => resolve(false),
          onClose: () => resolve(false),
          onMaskClick: () => resolve(false),
        })
      })
    },
  }
}
