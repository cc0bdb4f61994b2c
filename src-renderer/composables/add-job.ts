// The Add job and Bulk add dialogs live once in the app shell, so `N`, the Queue view's buttons
// and the run panel's "Copy as new job" all open the same ones.
import { reactive, readonly } from 'vue'
import type { Params, Priority } from '../../src-shared/domain'

export interface AddJobPrefill {
  type: string
  params?: Params
  priority?: Priority
}

interface DialogState {
  addOpen: boolean
  bulkOpen: boolean
  /** Bumped on each open, so the dialog re-initialises its form. */
  openCount: number
  prefill: AddJobPrefill | null
  bulkType: string | null
}

const state = reactive<DialogState>({ addOpen: false, bulkOpen: false, openCount: 0, prefill: null, bulkType: null })

export interface AddJobDialogs {
  state: Readonly<DialogState>
  openAdd(prefill?: AddJobPrefill): void
  openBulk(type?: string): void
  closeAdd(): void
  closeBulk(): void
}

export function useAddJob(): AddJobDialogs {
  return {
    state: readonly(state) as Readonly<DialogState>,
    openAdd(prefill) {
      state.prefill = prefill ?? null
      state.bulkOpen = false
      state.openCount++
      state.addOpen = true
    },
    openBulk(type) {
      state.bulkType = type ?? null
      state.addOpen = false
      state.openCount++
      state.bulkOpen = true
    },
    closeAdd() {
      state.addOpen = false
    },
    closeBulk() {
      state.bulkOpen = false
    },
  }
}
