// A TCP proxy on 127.0.0.1 in front of PostgreSQL, so a test can cut the database off (every
// open connection reset, new ones refused) and bring it back, without touching the server.
import net from 'node:net'

export interface TcpProxy {
  port: number
  /** Resets every proxied connection and refuses new ones until restore(). */
  cut(): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let open = true
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    // A reset socket may still report the reset: it is what this proxy is for, not an error.
    client.on('error', () => undefined)
    if (!open) {
      client.resetAndDestroy()
      return
    }
    const upstream = net.connect(targetPort, targetHost)
    upstream.on('error', () => undefined)
    sockets.add(client)
    sockets.add(upstream)
    const drop = (): void => {
      sockets.delete(client)
      sockets.delete(upstream)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    port,
    cut() {
      open = false
      for (const socket of sockets) {
        socket.unpipe()
        socket.resetAndDestroy()
      }
      sockets.clear()
    },
    restore() {
      open = true
    },
    close() {
      open = false
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** The same URL pointed at the proxy. */
export function viaProxy(url: string, port: number): string {
  const parsed = new URL(url)
  parsed.hostname = '127.0.0.1'
  parsed.port = String(port)
  return parsed.toString()
}
