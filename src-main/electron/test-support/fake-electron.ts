// A stand-in for the parts of the `electron` module the desktop shell uses (Tray, Menu,
// nativeImage, Notification), for `vi.mock('electron', () => fakeElectron())` in tests.
import { EventEmitter } from 'node:events'
import type { MenuItemConstructorOptions } from 'electron'

export class FakeTray extends EventEmitter {
  static all: FakeTray[] = []
  readonly images: string[] = []
  readonly tooltips: string[] = []
  readonly menus: MenuItemConstructorOptions[][] = []
  destroyed = false
  constructor(image: { path: string }) {
    super()
    this.images.push(image.path)
    FakeTray.all.push(this)
  }
  setImage(image: { path: string }): void {
    this.images.push(image.path)
  }
  setToolTip(text: string): void {
    this.tooltips.push(text)
  }
  setContextMenu(menu: { template: MenuItemConstructorOptions[] }): void {
    this.menus.push(menu.template)
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  destroy(): void {
    this.destroyed = true
  }
  /** Clicks the item labelled `label` in the current menu. */
  click(label: string): void {
    const item = this.menus.at(-1)?.find((i) => i.label === label)
    if (!item?.click) throw new Error(`no clickable menu item "${label}"`)
    ;(item.click as () => void)()
  }
}

export class FakeNotification extends EventEmitter {
  static all: FakeNotification[] = []
  static supported = true
  shown = 0
  constructor(readonly options: { title: string; body: string; urgency?: string; id?: string; icon?: string }) {
    super()
    FakeNotification.all.push(this)
  }
  static isSupported(): boolean {
    return FakeNotification.supported
  }
  show(): void {
    this.shown++
  }
}

export function resetFakeElectron(): void {
  FakeTray.all = []
  FakeNotification.all = []
  FakeNotification.supported = true
}

export function fakeElectron(missingImages: ReadonlySet<string> = new Set()) {
  return {
    Tray: FakeTray,
    Notification: FakeNotification,
    Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]) => ({ template }) },
    nativeImage: {
      createFromPath: (path: string) => ({ path, isEmpty: () => [...missingImages].some((m) => path.endsWith(m)) }),
    },
  }
}
