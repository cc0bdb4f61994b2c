// Dark and light follow the OS (UI.md); the data-theme attribute drives the CSS tokens and the
// naive-ui theme, and charts read `isDark` to pick their literal colours.
import { darkTheme, useOsTheme, type GlobalTheme, type GlobalThemeOverrides } from 'naive-ui'
import { computed, watchEffect, type ComputedRef } from 'vue'

export interface Theme {
  isDark: ComputedRef<boolean>
  naiveTheme: ComputedRef<GlobalTheme | null>
  /** naive-ui tuned to the tokens of styles/tokens.css: accent, font, dense sizes. */
  themeOverrides: ComputedRef<GlobalThemeOverrides>
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
const FONT_MONO = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace"

export function useTheme(): Theme {
  const os = useOsTheme()
  const isDark = computed(() => os.value === 'dark')
  watchEffect(() => {
    document.documentElement.dataset.theme = isDark.value ? 'dark' : 'light'
  })
  const themeOverrides = computed<GlobalThemeOverrides>(() => {
    const accent = isDark.value ? '#60a5fa' : '#2563eb'
    const accentHover = isDark.value ? '#93c5fd' : '#1d4ed8'
    const error = isDark.value ? '#f87171' : '#dc2626'
    return {
      common: {
        fontFamily: FONT,
        fontFamilyMono: FONT_MONO,
        fontSize: '13px',
        fontSizeMedium: '13px',
        fontSizeSmall: '12px',
        heightMedium: '32px',
        heightSmall: '28px',
        borderRadius: '6px',
        primaryColor: accent,
        primaryColorHover: accentHover,
        primaryColorPressed: accentHover,
        primaryColorSuppl: accent,
        errorColor: error,
        errorColorHover: error,
        errorColorPressed: error,
        errorColorSuppl: error,
        ...(isDark.value ? { bodyColor: '#15171b', cardColor: '#1c1f24', modalColor: '#1c1f24', popoverColor: '#22262c' } : {}),
      },
      // White on the light blue of the dark theme is below AA: dark text on primary buttons there.
      ...(isDark.value
        ? {
            Button: {
              textColorPrimary: '#0b1220',
              textColorHoverPrimary: '#0b1220',
              textColorPressedPrimary: '#0b1220',
              textColorFocusPrimary: '#0b1220',
              textColorDisabledPrimary: '#0b1220',
              textColorError: '#0b1220',
              textColorHoverError: '#0b1220',
              textColorPressedError: '#0b1220',
              textColorFocusError: '#0b1220',
              textColorDisabledError: '#0b1220',
            },
          }
        : {}),
    }
  })
  return { isDark, naiveTheme: computed(() => (isDark.value ? darkTheme : null)), themeOverrides }
}
