// Types of scripts/make-icons.mjs for the TypeScript that imports it (its test).
export declare function encodePng(width: number, height: number, rgba: Uint8Array): Buffer
export declare function pngSize(png: Buffer): { width: number; height: number }
export declare function encodeIco(pngs: Buffer[]): Buffer
export declare function encodeIcns(pngs: Buffer[]): Buffer
export declare const ICNS_TYPES: Record<16 | 32 | 64 | 128 | 256 | 512 | 1024, string>
export declare const TRAY_STATES: readonly ['idle', 'running', 'attention', 'offline']
export declare const LINUX_ICON_SIZES: number[]
export interface Layer {
  inside: (x: number, y: number) => boolean
  color: [number, number, number, number] | 'clear'
}
export declare function rasterise(size: number, layers: Layer[]): Uint8Array
export declare function appIconLayers(): Layer[]
export declare function trayLayers(state: (typeof TRAY_STATES)[number]): Layer[]
export declare function iconFiles(): Map<string, Buffer>
