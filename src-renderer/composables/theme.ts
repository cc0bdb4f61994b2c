// Dark and light follow the OS (UI.md); the data-theme attribute drives the CSS tokens and the
// naive-ui theme, and charts read `isDark` to pick their literal colours.
import { darkTheme, useOsTheme, type GlobalTheme } from 'naive-ui'
import { computed, watchEffect, type ComputedRef } from 'vue'

export interface Theme {
  isDark: ComputedRef<boolean>
  naiveTheme: ComputedRef<GlobalTheme | null>
}

export function useTheme(): Theme {
  const os = useOsTheme()
  const isDark = computed(() => os.value === 'dark')
  watchEffect(() => {
    document.documentElement.dataset.theme = isDark.value ? 'dark' : 'light'
  })
  return { isDark, naiveTheme: computed(() => (isDark.value ? darkTheme : null)) }
}
