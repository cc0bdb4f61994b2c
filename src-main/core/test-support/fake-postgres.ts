// A fake PostgreSQL server on 127.0.0.1 that asks every client for its password in clear and
// records what it gets: tests see exactly which password a client would hand to a server.
import net from 'node:net'

export interface PasswordAttempt {
  user: string | null
  database: string | null
  applicationName: string | null
  /** What the client sent when asked (cleartext); null when it sent none before hanging up. */
  password: string | null
}

export interface FakePostgres {
  port: number
  readonly attempts: readonly PasswordAttempt[]
  close(): Promise<void>
}

const SSL_REQUEST = 80877103
const GSS_REQUEST = 80877104

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

function authCleartext(): Buffer {
  const body = Buffer.alloc(4)
  body.writeInt32BE(3, 0)
  return message('R', body)
}

function authFailed(): Buffer {
  const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed (fake server)'].map((f) => `${f}\0`).join('')
  return message('E', Buffer.from(`${fields}\0`, 'utf8'))
}

function startupParams(body: Buffer): Map<string, string> {
  const parts = body.toString('utf8').split('\0')
  const params = new Map<string, string>()
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]) params.set(parts[i] as string, parts[i + 1] ?? '')
  return params
}

export async function startFakePostgres(): Promise<FakePostgres> {
  const attempts: PasswordAttempt[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    let buffered = Buffer.alloc(0)
    let attempt: PasswordAttempt | null = null
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      for (;;) {
        if (attempt === null) {
          // Startup phase: untyped messages (length, then protocol code or request code).
          if (buffered.length < 8) return
          const length = buffered.readInt32BE(0)
          if (buffered.length < length) return
          const code = buffered.readInt32BE(4)
          const body = buffered.subarray(8, length)
          buffered = buffered.subarray(length)
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            socket.write('N')
            continue
          }
          const params = startupParams(body)
          attempt = {
            user: params.get('user') ?? null,
            database: params.get('database') ?? null,
            applicationName: params.get('application_name') ?? null,
            password: null,
          }
          attempts.push(attempt)
          socket.write(authCleartext())
          continue
        }
        if (buffered.length < 5) return
        const type = String.fromCharCode(buffered[0] ?? 0)
        const length = buffered.readInt32BE(1)
        if (buffered.length < length + 1) return
        const body = buffered.subarray(5, length + 1)
        buffered = buffered.subarray(length + 1)
        if (type === 'p') attempt.password = body.toString('utf8').replace(/\0$/, '')
        socket.end(authFailed())
        return
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
