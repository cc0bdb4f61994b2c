#!/usr/bin/env node
// Draws Jobdeck's icons without any image tool or network: the app icon (three lanes of a Gantt
// chart) and the tray images for each state, rasterised here with 4×4 supersampling and encoded
// as PNG, ICO (Windows) and ICNS (macOS, PNG-based entries).
//
//   build/icon.icns, build/icon.ico, build/icon.png (1024), build/icons/<N>x<N>.png   installers
//   resources/icon.png (256)                                         window and notification icon
//   resources/tray-<state>.png (16) + @2x (32)                        Windows notification area, macOS menu bar
//   resources/tray-<state>-32.png (32) + @2x (64)                     Linux panels
//
// Usage: node scripts/make-icons.mjs    (the output is committed; scripts/make-icons.test.ts
// checks that it matches this script)
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'

// ---------------------------------------------------------------------------------------- PNG

/** @param {string} type @param {Buffer} data */
function chunk(type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  // The CRC covers the type and the data; node:zlib has crc32 from Node 20.15 (engines ask 20.19).
  crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4))), 0)
  return Buffer.concat([head, data, crc])
}

/**
 * RGBA, 8 bits per channel, non-interlaced.
 * @param {number} width @param {number} height @param {Uint8Array} rgba
 */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height)
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0 // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** Width and height of a PNG. @param {Buffer} png */
export function pngSize(png) {
  if (png.readUInt32BE(0) !== 0x89504e47 || png.toString('ascii', 12, 16) !== 'IHDR') throw new Error('not a PNG')
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

// ---------------------------------------------------------------------------------- ICO, ICNS

/** A Windows icon holding PNG images. @param {Buffer[]} pngs */
export function encodeIco(pngs) {
  const header = Buffer.alloc(6)
  header.writeUInt16LE(0, 0)
  header.writeUInt16LE(1, 2) // icon
  header.writeUInt16LE(pngs.length, 4)
  let offset = 6 + 16 * pngs.length
  const entries = pngs.map((png) => {
    const { width, height } = pngSize(png)
    const entry = Buffer.alloc(16)
    entry[0] = width >= 256 ? 0 : width
    entry[1] = height >= 256 ? 0 : height
    entry.writeUInt16LE(1, 4) // colour planes
    entry.writeUInt16LE(32, 6) // bits per pixel
    entry.writeUInt32LE(png.length, 8)
    entry.writeUInt32LE(offset, 12)
    offset += png.length
    return entry
  })
  return Buffer.concat([header, ...entries, ...pngs])
}

/** ICNS element types holding PNG data, by pixel size. */
export const ICNS_TYPES = { 16: 'icp4', 32: 'icp5', 64: 'icp6', 128: 'ic07', 256: 'ic08', 512: 'ic09', 1024: 'ic10' }

/** @param {Buffer[]} pngs */
export function encodeIcns(pngs) {
  const elements = pngs.map((png) => {
    const { width } = pngSize(png)
    const type = ICNS_TYPES[/** @type {keyof typeof ICNS_TYPES} */ (width)]
    if (!type) throw new Error(`no ICNS type for ${width} px`)
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(png.length + 8, 4)
    return Buffer.concat([head, png])
  })
  const body = Buffer.concat(elements)
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(body.length + 8, 4)
  return Buffer.concat([head, body])
}

// ---------------------------------------------------------------------------------- drawing

/** @typedef {[number, number, number, number]} Rgba  0..255 each */
/** @typedef {{ inside: (x: number, y: number) => boolean, color: Rgba | 'clear' }} Layer  coordinates 0..1 */

/** @param {string} hex @param {number} [alpha] @returns {Rgba} */
const rgb = (hex, alpha = 255) => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16), alpha]

/** Horizontal capsule from x0 to x1 around y, `thick` high. */
const capsule = (x0, x1, y, thick) => (/** @type {number} */ x, /** @type {number} */ y2) => {
  const r = thick / 2
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  return (x - cx) ** 2 + (y2 - y) ** 2 <= r * r
}
const circle = (cx, cy, r) => (/** @type {number} */ x, /** @type {number} */ y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r
const roundedSquare = (inset, radius) => (/** @type {number} */ x, /** @type {number} */ y) => {
  const lo = inset + radius
  const hi = 1 - inset - radius
  const dx = Math.max(lo - x, 0, x - hi)
  const dy = Math.max(lo - y, 0, y - hi)
  return dx * dx + dy * dy <= radius * radius
}
/** A segment of width `w` from (x0,y0) to (x1,y1). */
const segment = (x0, y0, x1, y1, w) => (/** @type {number} */ x, /** @type {number} */ y) => {
  const vx = x1 - x0
  const vy = y1 - y0
  const t = Math.min(1, Math.max(0, ((x - x0) * vx + (y - y0) * vy) / (vx * vx + vy * vy)))
  return (x - x0 - t * vx) ** 2 + (y - y0 - t * vy) ** 2 <= (w / 2) ** 2
}

/**
 * Paints layers in order (a `clear` layer erases), 4×4 samples per pixel.
 * @param {number} size @param {Layer[]} layers @returns {Uint8Array} RGBA
 */
export function rasterise(size, layers) {
  const out = new Uint8Array(size * size * 4)
  const n = 4
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size
          const y = (py + (sy + 0.5) / n) / size
          // premultiplied colour of this sample
          let sr = 0
          let sg = 0
          let sb = 0
          let sa = 0
          for (const layer of layers) {
            if (!layer.inside(x, y)) continue
            if (layer.color === 'clear') {
              sr = sg = sb = sa = 0
              continue
            }
            const la = layer.color[3] / 255
            sr = layer.color[0] * la + sr * (1 - la)
            sg = layer.color[1] * la + sg * (1 - la)
            sb = layer.color[2] * la + sb * (1 - la)
            sa = la + sa * (1 - la)
          }
          r += sr
          g += sg
          b += sb
          a += sa
        }
      }
      const i = (py * size + px) * 4
      const samples = n * n
      const alpha = a / samples
      out[i] = alpha > 0 ? Math.round(r / samples / alpha) : 0
      out[i + 1] = alpha > 0 ? Math.round(g / samples / alpha) : 0
      out[i + 2] = alpha > 0 ? Math.round(b / samples / alpha) : 0
      out[i + 3] = Math.round(alpha * 255)
    }
  }
  return out
}

/** The app icon: three lanes of a Gantt chart on a dark rounded square. @returns {Layer[]} */
export function appIconLayers() {
  return [
    { inside: roundedSquare(0.07, 0.19), color: rgb('#1b2230') },
    { inside: capsule(0.2, 0.64, 0.32, 0.11), color: rgb('#60a5fa') },
    { inside: capsule(0.36, 0.8, 0.5, 0.11), color: rgb('#4ade80') },
    { inside: capsule(0.2, 0.52, 0.68, 0.11), color: rgb('#fbbf24') },
  ]
}

export const TRAY_STATES = /** @type {const} */ (['idle', 'running', 'attention', 'offline'])

/**
 * A tray image: the three lanes, blue while running, with a badge for attention (red, "!") and
 * offline (slate, struck through). Mid-tone colours read on light and dark panels alike.
 * @param {(typeof TRAY_STATES)[number]} state @returns {Layer[]}
 */
export function trayLayers(state) {
  const lanes = state === 'running' ? rgb('#3b82f6') : rgb('#8b95a1')
  /** @type {Layer[]} */
  const layers = [
    // 2 px high at 16 px, on whole pixel rows, so the small size stays crisp.
    { inside: capsule(0.0625, 0.9375, 0.25, 0.125), color: lanes },
    { inside: capsule(0.0625, 0.625, 0.5, 0.125), color: lanes },
    { inside: capsule(0.0625, 0.8125, 0.75, 0.125), color: lanes },
  ]
  if (state === 'attention' || state === 'offline') {
    const cx = 0.72
    const cy = 0.72
    layers.push({ inside: circle(cx, cy, 0.33), color: 'clear' })
    if (state === 'attention') {
      layers.push(
        { inside: circle(cx, cy, 0.27), color: rgb('#dc2626') },
        { inside: segment(cx, cy - 0.15, cx, cy + 0.03, 0.075), color: rgb('#ffffff') },
        { inside: circle(cx, cy + 0.12, 0.04), color: rgb('#ffffff') },
      )
    } else {
      layers.push(
        { inside: circle(cx, cy, 0.27), color: rgb('#64748b') },
        { inside: segment(cx - 0.14, cy + 0.14, cx + 0.14, cy - 0.14, 0.075), color: rgb('#ffffff') },
      )
    }
  }
  return layers
}

// ------------------------------------------------------------------------------------ files

export const LINUX_ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512]
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
const ICNS_SIZES = [16, 32, 64, 128, 256, 512, 1024]

/** Every file this script writes, by project-relative path. @returns {Map<string, Buffer>} */
export function iconFiles() {
  /** @type {Map<number, Buffer>} */
  const app = new Map()
  const appPng = (/** @type {number} */ size) => {
    let png = app.get(size)
    if (!png) {
      png = encodePng(size, size, rasterise(size, appIconLayers()))
      app.set(size, png)
    }
    return png
  }
  /** @type {Map<string, Buffer>} */
  const files = new Map()
  files.set('build/icon.png', appPng(1024))
  files.set('build/icon.ico', encodeIco(ICO_SIZES.map(appPng)))
  files.set('build/icon.icns', encodeIcns(ICNS_SIZES.map(appPng)))
  for (const size of LINUX_ICON_SIZES) files.set(`build/icons/${size}x${size}.png`, appPng(size))
  files.set('resources/icon.png', appPng(256))
  for (const state of TRAY_STATES) {
    const tray = (/** @type {number} */ size) => encodePng(size, size, rasterise(size, trayLayers(state)))
    files.set(`resources/tray-${state}.png`, tray(16))
    files.set(`resources/tray-${state}@2x.png`, tray(32))
    files.set(`resources/tray-${state}-32.png`, tray(32))
    files.set(`resources/tray-${state}-32@2x.png`, tray(64))
  }
  return files
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  for (const [file, data] of iconFiles()) {
    const target = path.join(root, file)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, data)
    console.log(`${file}  ${data.length} bytes`)
  }
}
