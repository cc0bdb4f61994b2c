import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_DESKTOP_SETTINGS } from '../../src-shared/desktop'
import { DesktopSettingsStore, DESKTOP_SETTINGS_FILE } from './desktop-settings'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobdeck-desktop-settings-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('DesktopSettingsStore', () => {
  it('starts from the defaults without a file: everything notifies, closing hides', () => {
    const store = DesktopSettingsStore.inDir(dir)
    expect(store.get()).toEqual(DEFAULT_DESKTOP_SETTINGS)
    expect(store.get()).toMatchObject({
      notifications: { enabled: true, failure: true, health: true, connection: true, overrun: true, mutedTypes: [] },
      quitOnClose: false,
      closeHintShown: false,
    })
    expect(existsSync(join(dir, DESKTOP_SETTINGS_FILE))).toBe(false)
  })

  it('saves a patch from the window and reads it back in a new store', () => {
    const store = DesktopSettingsStore.inDir(dir)
    const seen: unknown[] = []
    store.onChange((s) => seen.push(s))
    store.update({ notifications: { overrun: false, mutedTypes: ['nightly', 'backup', 'nightly'] }, quitOnClose: true })
    expect(seen).toHaveLength(1)
    const again = DesktopSettingsStore.inDir(dir)
    expect(again.get().notifications).toMatchObject({ enabled: true, overrun: false, mutedTypes: ['backup', 'nightly'] })
    expect(again.get().quitOnClose).toBe(true)
    // An unchanged patch writes nothing and tells no one.
    store.update({ quitOnClose: true })
    expect(seen).toHaveLength(1)
  })

  it('refuses a bad patch naming the field, and the bookkeeping flags from the window', () => {
    const store = DesktopSettingsStore.inDir(dir)
    expect(() => store.update({ notifications: { failure: 'yes' } })).toThrow(/^desktop settings: notifications\.failure: /)
    expect(() => store.update({ closeHintShown: true })).toThrow(/desktop settings: /)
    expect(() => store.update({ resumeRunnerOnStart: true })).toThrow(/desktop settings: /)
    expect(store.get()).toEqual(DEFAULT_DESKTOP_SETTINGS)
    store.updateInternal({ closeHintShown: true })
    expect(DesktopSettingsStore.inDir(dir).get().closeHintShown).toBe(true)
  })

  it('keeps a damaged file aside and starts from the defaults', () => {
    const file = join(dir, DESKTOP_SETTINGS_FILE)
    writeFileSync(file, '{"quitOnClose": "sometimes"}')
    const log = vi.fn()
    const store = new DesktopSettingsStore(file, undefined, log)
    expect(store.get()).toEqual(DEFAULT_DESKTOP_SETTINGS)
    expect(readFileSync(`${file}.bad`, 'utf8')).toContain('sometimes')
    expect(log.mock.calls[0]?.[0]).toMatch(/damaged \(quitOnClose: .*kept it as .*\.bad/)

    writeFileSync(file, 'not json')
    expect(new DesktopSettingsStore(file, undefined, log).get()).toEqual(DEFAULT_DESKTOP_SETTINGS)
  })

  it('keeps working in memory when the file cannot be written', () => {
    const log = vi.fn()
    const store = new DesktopSettingsStore(
      '/x/desktop-settings.json',
      {
        readFile: () => {
          throw Object.assign(new Error('missing'), { code: 'ENOENT' })
        },
        writeFile: () => {
          throw new Error('EROFS: read-only file system')
        },
        rename: () => {},
      },
      log,
    )
    expect(store.update({ quitOnClose: true }).quitOnClose).toBe(true)
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/could not save .*read-only/))
  })
})
