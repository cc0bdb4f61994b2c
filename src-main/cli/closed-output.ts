// `jobdeck status | head`: when whoever reads the command's output goes away, the command ends
// quietly with exit 0, as a Unix filter does. Node ignores SIGPIPE, so instead the next write
// fails with EPIPE, emitted on the stream; unheard, it would crash the command with a stack trace.
// Commands that run until stopped (run, serve, monitor) stop as on Ctrl-C: jobs re-queued.

type Stop = (why: string) => void

const watched = new WeakSet<NodeJS.WritableStream>()
const stops = new Set<Stop>()
let closed = false

/** The reader is gone: this write and any later one go nowhere. */
function isClosedPipe(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || (closed && error.code === 'ERR_STREAM_DESTROYED')
}

/** From now on a closed stdout or stderr ends the command quietly (idempotent). */
export function watchForClosedOutput(streams: NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (watched.has(stream)) continue
    watched.add(stream)
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (!isClosedPipe(error)) throw error
      if (closed) return
      closed = true
      for (const stop of stops) stop('output closed')
    })
  }
}

/** Whether stdout or stderr lost its reader during this command. */
export function outputClosed(): boolean {
  return closed
}

/** A command that runs until stopped: `stop` is called once, on Ctrl-C, SIGTERM or a closed output. */
export function onStopRequest(stop: Stop): void {
  let called = false
  const once: Stop = (why) => {
    if (called) return
    called = true
    stops.delete(once)
    stop(why)
  }
  stops.add(once)
  process.once('SIGINT', once)
  process.once('SIGTERM', once)
  if (closed) once('output closed')
}
