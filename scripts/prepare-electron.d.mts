export interface ExecResult {
  status: number
  error?: Error
  /** stdout and stderr, when run with `capture` */
  output?: string
}
export type Exec = (command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; capture?: boolean }) => ExecResult

export function defaultExec(...args: Parameters<Exec>): ExecResult
export function downloadFailureReason(result: ExecResult): string
export function readElectronPackage(rootDir: string): { dir: string; version: string; abi: string; installScript: string; nodeRange: string | null }
export function electronExecutable(electronDir: string, env: NodeJS.ProcessEnv): string | null
export function nativeBuildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv
export function findNodeGyp(env: NodeJS.ProcessEnv, rootDir: string): string | null
export function prepareElectron(options: {
  rootDir: string
  exec?: Exec
  env?: NodeJS.ProcessEnv
  arch?: string
  platform?: string
  nodeVersion?: string
  tmpRoot?: string
  force?: boolean
  /** the best-effort pass of `npm install`: only the Electron binary, never failing */
  install?: boolean
  log?: (message: string) => void
  error?: (message: string) => void
}): number
