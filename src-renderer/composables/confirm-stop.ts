// Destructive actions on running work confirm with what will be lost (UI.md): stopping a running
// job asks once, naming the job, how long it has run and how far it got. One dialog in the app
// shell answers every view (the Queue's rows, the run panel).
import { reactive, readonly } from 'vue'
import type { Progress } from '../../src-shared/domain'

export interface StopRequest {
  jobId: string
  type: string
  startedAt: string
  progress: Progress
}

interface StopState {
  request: StopRequest | null
  resolve: ((stop: boolean) => void) | null
}

const state = reactive<StopState>({ request: null, resolve: null })

/** Asks whether to stop the run; resolves true to stop it, false to keep it running. */
export function askStop(request: StopRequest): Promise<boolean> {
  state.resolve?.(false)
  return new Promise((resolve) => {
    state.request = request
    state.resolve = resolve
  })
}

/** The dialog's side: what is asked now, and the answer. */
export function useStopQuestion(): { state: Readonly<StopState>; answer(stop: boolean): void } {
  return {
    state: readonly(state) as Readonly<StopState>,
    answer(stop) {
      const resolve = state.resolve
      state.request = null
      state.resolve = null
      resolve?.(stop)
    },
  }
}
