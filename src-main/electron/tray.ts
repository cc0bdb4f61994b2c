// Draws a TrayView (tray-state.ts) with Electron's Tray and Menu. Thin on purpose: what to show is
// decided elsewhere. The context menu is built and set again on every render: Linux's
// AppIndicator/StatusNotifier ignores clicks on the icon and keeps showing a stale menu otherwise.
import { join } from 'node:path'
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron'
import type { TrayAction, TrayImage, TrayMenuItem, TrayView } from './tray-state'

/** resources/ of the app: beside app.asar, unpacked, when packaged (AppIndicator needs real files). */
export function resourcesDir(appPath: string): string {
  return join(appPath.replace(/app\.asar$/, 'app.asar.unpacked'), 'resources')
}

/**
 * 16 px (with @2x) for the Windows notification area and the macOS menu bar; 32 px (with @2x) for
 * Linux panels, which scale to their own size (22–24 px is common).
 */
export function trayImageFile(image: TrayImage, platform: NodeJS.Platform): string {
  return platform === 'linux' ? `tray-${image}-32.png` : `tray-${image}.png`
}

/** On Windows and Linux `&` marks a menu mnemonic; job titles must show it as written. */
export function menuLabel(text: string, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? text : text.replaceAll('&', '&&')
}

export function menuTemplate(items: TrayMenuItem[], platform: NodeJS.Platform, onAction: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if (item.kind === 'separator') return { type: 'separator' }
    if (item.kind === 'label') return { label: menuLabel(item.label, platform), enabled: false }
    return { label: menuLabel(item.label, platform), enabled: item.enabled, click: () => onAction(item.action) }
  })
}

export interface TrayControllerOptions {
  resourcesDir: string
  platform?: NodeJS.Platform
  onAction: (action: TrayAction) => void
  log?: (line: string) => void
}

export class TrayController {
  private tray: Tray | null = null
  private image: TrayImage | null = null
  private tooltip: string | null = null
  private menu: string | null = null
  private readonly images = new Map<TrayImage, NativeImage>()
  private readonly platform: NodeJS.Platform

  constructor(private readonly options: TrayControllerOptions) {
    this.platform = options.platform ?? process.platform
  }

  render(view: TrayView): void {
    const image = this.imageOf(view.image)
    if (this.tray === null || this.tray.isDestroyed()) {
      this.menu = null
      this.tooltip = null
      this.tray = new Tray(image)
      // Windows and macOS: a click on the icon shows the window (Linux never sends it).
      this.tray.on('click', () => this.options.onAction({ type: 'show' }))
      this.image = view.image
    } else if (this.image !== view.image) {
      this.tray.setImage(image)
      this.image = view.image
    }
    if (this.tooltip !== view.tooltip) {
      this.tray.setToolTip(view.tooltip)
      this.tooltip = view.tooltip
    }
    // A new menu object for every change (never a mutated one), and none when nothing changed, so an
    // open menu is not rebuilt under the pointer.
    const menu = JSON.stringify(view.menu)
    if (menu !== this.menu) {
      this.tray.setContextMenu(Menu.buildFromTemplate(menuTemplate(view.menu, this.platform, this.options.onAction)))
      this.menu = menu
    }
  }

  destroy(): void {
    if (this.tray && !this.tray.isDestroyed()) this.tray.destroy()
    this.tray = null
    this.menu = null
    this.tooltip = null
  }

  private imageOf(state: TrayImage): NativeImage {
    let image = this.images.get(state)
    if (!image) {
      const file = join(this.options.resourcesDir, trayImageFile(state, this.platform))
      image = nativeImage.createFromPath(file)
      if (image.isEmpty()) (this.options.log ?? ((l: string) => console.warn(`jobdeck: ${l}`)))(`tray image missing or unreadable: ${file}`)
      this.images.set(state, image)
    }
    return image
  }
}
