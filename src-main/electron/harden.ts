// Applied to every webContents the app creates (app 'web-contents-created'): no navigation away from
// the app, no new windows, no <webview>. Links the user clicks go to the browser through the one
// checked helper.
import type { WebContents } from 'electron'
import { openExternalSafely } from './external-links'
import { isNavigationAllowed } from './navigation'

export function hardenWebContents(
  contents: WebContents,
  appEntryUrl: () => string,
  openExternal: (url: string) => Promise<boolean> = openExternalSafely,
): void {
  contents.on('will-navigate', (event) => {
    if (isNavigationAllowed(event.url, appEntryUrl())) return
    event.preventDefault()
    void openExternal(event.url)
  })
  contents.on('will-redirect', (event) => {
    if (isNavigationAllowed(event.url, appEntryUrl())) return
    event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
  })
  contents.setWindowOpenHandler(({ url }) => {
    void openExternal(url)
    return { action: 'deny' }
  })
}
