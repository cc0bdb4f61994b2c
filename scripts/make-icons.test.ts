import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { inflateSync } from 'node:zlib'
import { describe, expect, it, vi } from 'vitest'
import { TRAY_IMAGES, type TrayImage } from '../src-main/electron/tray-state'
import { trayImageFile } from '../src-main/electron/tray'
import { ICNS_TYPES, LINUX_ICON_SIZES, TRAY_STATES, iconFiles, pngSize } from './make-icons.mjs'

// tray.ts draws with Electron; only its file naming is used here.
vi.mock('electron', () => ({}))

const root = fileURLToPath(new URL('..', import.meta.url))
const files = iconFiles()

/** Decodes an RGBA PNG made by make-icons (filter 0 rows only). */
function pixels(png: Buffer): { width: number; height: number; alpha: (x: number, y: number) => number } {
  const { width, height } = pngSize(png)
  const idat: Buffer[] = []
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at)
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length))
    at += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  return { width, height, alpha: (x, y) => raw[y * (width * 4 + 1) + 1 + x * 4 + 3]! }
}

describe('icons', () => {
  it('are committed exactly as scripts/make-icons.mjs draws them', () => {
    for (const [file, data] of files) {
      expect(readFileSync(`${root}/${file}`).equals(data), `${file} differs: run node scripts/make-icons.mjs`).toBe(true)
    }
  })

  it('has a tray image for every state at the size each OS wants, with @2x', () => {
    expect([...TRAY_STATES]).toEqual([...TRAY_IMAGES])
    for (const state of TRAY_IMAGES as readonly TrayImage[]) {
      for (const [platform, size] of [['win32', 16], ['darwin', 16], ['linux', 32]] as const) {
        const file = `resources/${trayImageFile(state, platform)}`
        expect(pngSize(files.get(file)!), file).toEqual({ width: size, height: size })
        expect(pngSize(files.get(file.replace('.png', '@2x.png'))!)).toEqual({ width: size * 2, height: size * 2 })
      }
    }
  })

  it('draws something and leaves a transparent margin', () => {
    const idle = pixels(files.get('resources/tray-idle.png')!)
    let opaque = 0
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) if (idle.alpha(x, y) > 128) opaque++
    expect(opaque).toBeGreaterThan(30)
    const app = pixels(files.get('build/icons/256x256.png')!)
    expect(app.alpha(0, 0)).toBe(0)
    expect(app.alpha(128, 128)).toBe(255)
  })

  it('packs the Windows icon with 256 px and the macOS icon with 16 … 1024 px images', () => {
    const ico = files.get('build/icon.ico')!
    expect(ico.readUInt16LE(2)).toBe(1)
    const count = ico.readUInt16LE(4)
    const widths = Array.from({ length: count }, (_, i) => ico[6 + i * 16] || 256)
    expect(widths).toContain(256)
    expect(widths).toContain(16)
    for (let i = 0; i < count; i++) {
      const size = ico.readUInt32LE(6 + i * 16 + 8)
      const offset = ico.readUInt32LE(6 + i * 16 + 12)
      expect(pngSize(ico.subarray(offset, offset + size)).width).toBe(widths[i])
    }

    const icns = files.get('build/icon.icns')!
    expect(icns.toString('ascii', 0, 4)).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const types: string[] = []
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) {
      const type = icns.toString('ascii', at, at + 4)
      types.push(type)
      const size = pngSize(icns.subarray(at + 8))
      expect(ICNS_TYPES[size.width as keyof typeof ICNS_TYPES]).toBe(type)
    }
    expect(types).toEqual(['icp4', 'icp5', 'icp6', 'ic07', 'ic08', 'ic09', 'ic10'])
    expect(LINUX_ICON_SIZES).toContain(512)
  })
})
