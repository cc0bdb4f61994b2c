// A webhook receiver for alert tests: a real HTTP server on 127.0.0.1 that records every POST and
// answers as the test says (200, a status like 503, or never), and can go down (connections
// refused) and come back on the same port.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface ReceivedPost {
  at: number
  path: string
  body: unknown
  /** The status it was answered with; null while (or if never) answered. */
  status: number | null
}

export type Answer = number | 'hang'

export interface WebhookReceiver {
  /** With a secret-looking path, as a Slack URL has: it must never show in full. */
  readonly url: string
  readonly secret: string
  readonly posts: ReceivedPost[]
  /** The bodies answered with a 2xx, in the order they came. */
  accepted(): unknown[]
  /** How the next posts are answered (default 200). */
  answer: Answer
  /** Stops listening: new connections are refused until up(). */
  down(): Promise<void>
  up(): Promise<void>
  close(): Promise<void>
}

export async function startWebhookReceiver(secret = 'T000/B000/XyzSecretToken123'): Promise<WebhookReceiver> {
  const sockets = new Set<Socket>()
  const hung: http.ServerResponse[] = []
  const receiver: WebhookReceiver = {
    url: '',
    secret,
    posts: [],
    answer: 200,
    accepted: () => receiver.posts.filter((p) => p.status !== null && p.status >= 200 && p.status < 300).map((p) => p.body),
    down: async () => {
      for (const response of hung.splice(0)) response.destroy()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    up: () => listen(port),
    close: async () => {
      for (const response of hung.splice(0)) response.destroy()
      for (const socket of sockets) socket.destroy()
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // Kept as text: the test says what it expected.
      }
      const post: ReceivedPost = { at: Date.now(), path: request.url ?? '', body, status: null }
      receiver.posts.push(post)
      const answer = receiver.answer
      if (answer === 'hang') {
        hung.push(response)
        return
      }
      post.status = answer
      response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : `no: busy (${request.url ?? ''})`)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const listen = (at: number): Promise<void> => new Promise((resolve, reject) => server.once('error', reject).listen(at, '127.0.0.1', () => resolve()))
  await listen(0)
  const port = (server.address() as AddressInfo).port
  ;(receiver as { url: string }).url = `http://127.0.0.1:${port}/services/${secret}`
  return receiver
}
