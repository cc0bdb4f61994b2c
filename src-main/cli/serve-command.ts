// `jobdeck serve`: the engine plus the headless server — the renderer and the API for any
// browser, on 127.0.0.1 with a random token unless told otherwise.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { JobdeckError } from '../../src-shared/errors'
import { stderrLogger, type Logger } from '../core/app-log'
import type { Core } from '../core/core'
import { startRunnerWhenFree } from '../core/engine/runner-guard'
import { startServer } from '../server/server'
import { onStopRequest } from './closed-output'
import { localTime } from './output'
import { escapeTerminal } from './terminal-text'

export interface ServeOptions {
  port?: string
  host?: string
  /** The built renderer; default JOBDECK_RENDERER_DIR, else out/renderer of this checkout. */
  staticDir?: string
  /** The process's log (log-option.ts); default stderr. */
  logger?: Logger
  /** The logger writes a file: the transitions printed on stdout go there too. */
  logToFile?: boolean
}

export function defaultRendererDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.JOBDECK_RENDERER_DIR ? path.resolve(env.JOBDECK_RENDERER_DIR) : fileURLToPath(new URL('../../out/renderer', import.meta.url))
}

export function parsePort(text: string | undefined): number {
  if (text === undefined) return 0
  const port = Number(text)
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port > 65_535) {
    throw new JobdeckError('invalid_input', `--port: expected a port number from 0 to 65535, got "${text}"`)
  }
  return port
}

export async function serveHeadless(openCore: () => Core, options: ServeOptions): Promise<number> {
  const port = parsePort(options.port)
  const host = options.host ?? '127.0.0.1'
  const staticDir = options.staticDir ?? defaultRendererDir()
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
    throw new JobdeckError(
      'unavailable',
      `the app is not built: ${path.join(staticDir, 'index.html')} is missing; run \`npm run build\` first`,
    )
  }
  const logger = options.logger ?? stderrLogger({ prefix: 'jobdeck' })
  const say = (text: string): void => {
    process.stdout.write(`${localTime(new Date().toISOString())}  ${escapeTerminal(text)}\n`)
    if (options.logToFile) logger.info(text)
  }

  const core = openCore()
  const guard = startRunnerWhenFree(core, { log: say })
  if (guard.state === 'running') say(`runner started on ${core.dataDir} with ${core.config.path}`)
  else say('serving without running jobs until the other runner stops (then this one takes over)')

  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer({ core, host, port, staticDir, log: (line) => logger.warn(escapeTerminal(line.replace(/^warning: /, ''))) })
  } catch (error) {
    guard.stop()
    await core.close()
    const code = (error as NodeJS.ErrnoException).code
    throw new JobdeckError('unavailable', `cannot listen on ${host}:${port}: ${code ?? (error as Error).message}`)
  }
  process.stdout.write(`Jobdeck is serving ${server.openUrl}\n`)

  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (why: string): void => {
      if (stopping) return
      stopping = true
      say(`${why}: stopping; running jobs are stopped and re-queued`)
      guard.stop()
      void server
        .close()
        .then(() => core.close())
        .then(
          () => resolve(0),
          (error: unknown) => {
            logger.error(`error while stopping: ${(error as Error).message}`)
            resolve(2)
          },
        )
    }
    onStopRequest(stop)
    process.on('SIGHUP', () => core.config.reload())
  })
}
