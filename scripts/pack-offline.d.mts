// Types of scripts/pack-offline.mjs for its test.
export declare function writeStubElectronDist(dir: string, wire?: string): void
export declare function packOffline(options?: {
  workDir?: string
}): { ok: true; workDir: string; appOutDir: string; log: string } | { ok: false; workDir: string; log: string; skipped?: string }
