export interface ExecResult {
  status: number
  error?: Error
}
export type Exec = (command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) => ExecResult

export function defaultExec(...args: Parameters<Exec>): ExecResult
export function readElectronPackage(rootDir: string): { dir: string; version: string; abi: string; installScript: string }
export function electronExecutable(electronDir: string, env: NodeJS.ProcessEnv): string | null
export function nativeBuildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv
export function findNodeGyp(env: NodeJS.ProcessEnv, rootDir: string): string | null
export function prepareElectron(options: {
  rootDir: string
  exec?: Exec
  env?: NodeJS.ProcessEnv
  arch?: string
  platform?: string
  tmpRoot?: string
  force?: boolean
  log?: (message: string) => void
  error?: (message: string) => void
}): number
