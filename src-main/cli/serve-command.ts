// `jobdeck serve`: the engine plus the headless server — the renderer and the API for any
// browser, on 127.0.0.1 with a random token unless told otherwise.
import { absoluteTime } from '../../src-shared/local-time'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { JobdeckError } from '../../src-shared/errors'
import { stderrLogger, type Logger } from '../core/app-log'
import type { Core } from '../core/core'
import { startRunnerWhenFree } from '../core/engine/runner-guard'
import { createMetrics } from '../server/metrics'
import { isLoopbackHost, startServer } from '../server/server'
import { onStopRequest } from './closed-output'
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
  /** PEM files: serve https and wss. */
  tlsCert?: string
  tlsKey?: string
  /** Serve plain http on a non-loopback host anyway. */
  insecureHttp?: boolean
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

/**
 * The certificate and key of --tls-cert/--tls-key, read now (a wrong path is said before anything
 * starts). Off loopback, plain http is refused unless --insecure-http: tokens and the session
 * cookie would cross the network in clear.
 */
export function tlsOptions(options: Pick<ServeOptions, 'tlsCert' | 'tlsKey' | 'insecureHttp'>, host: string): { cert: Buffer; key: Buffer } | undefined {
  const { tlsCert, tlsKey } = options
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new JobdeckError('invalid_input', `${tlsCert === undefined ? '--tls-key' : '--tls-cert'} needs ${tlsCert === undefined ? '--tls-cert' : '--tls-key'} too (a certificate and its private key, PEM files)`)
  }
  if (tlsCert === undefined || tlsKey === undefined) {
    if (!isLoopbackHost(host) && !options.insecureHttp) {
      throw new JobdeckError(
        'invalid_input',
        `--host ${host} is reachable from other machines: serving it without TLS would send API tokens and the session cookie over the network in clear. ` +
          'Give --tls-cert FILE --tls-key FILE, or keep the default 127.0.0.1 (e.g. behind an SSH tunnel or a TLS proxy), or add --insecure-http to serve plain http anyway',
      )
    }
    return undefined
  }
  const read = (flag: string, file: string): Buffer => {
    try {
      return fs.readFileSync(file)
    } catch (error) {
      throw new JobdeckError('invalid_input', `${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
  }
  return { cert: read('--tls-cert', tlsCert), key: read('--tls-key', tlsKey) }
}

export async function serveHeadless(openCore: () => Core, options: ServeOptions): Promise<number> {
  const port = parsePort(options.port)
  const host = options.host ?? '127.0.0.1'
  const staticDir = options.staticDir ?? defaultRendererDir()
  const tls = tlsOptions(options, host)
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
    throw new JobdeckError(
      'unavailable',
      `the app is not built: ${path.join(staticDir, 'index.html')} is missing; run \`npm run build\` first`,
    )
  }
  const logger = options.logger ?? stderrLogger({ prefix: 'jobdeck' })
  const say = (text: string): void => {
    process.stdout.write(`${absoluteTime(new Date().toISOString())}  ${escapeTerminal(text)}\n`)
    if (options.logToFile) logger.info(text)
  }

  const core = openCore()
  const guard = startRunnerWhenFree(core, { log: say })
  if (guard.state === 'running') say(`runner started on ${core.dataDir} with ${core.config.path}`)
  else say('serving without running jobs until the other runner stops (then this one takes over)')

  // One per server: it counts the run finishes heard from now on (rate() over them).
  const metrics = createMetrics(core)
  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer({
      core,
      host,
      port,
      staticDir,
      ...(tls ? { tls } : {}),
      metrics,
      log: (line) => logger.warn(escapeTerminal(line.replace(/^warning: /, ''))),
    })
  } catch (error) {
    metrics.close()
    guard.stop()
    await core.close()
    const code = (error as NodeJS.ErrnoException).code
    // A certificate or key OpenSSL refuses (not PEM, or not a pair) fails here too, with no errno.
    if (tls && code === undefined) throw new JobdeckError('invalid_input', `--tls-cert/--tls-key: ${(error as Error).message}`)
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
        .then(() => {
          metrics.close()
          return core.close()
        })
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
