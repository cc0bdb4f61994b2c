// The secret port (core/secrets/secret-store.ts) across the engine's process boundary. The
// desktop keychain (Electron safeStorage) works only in the main process, while connection.save
// and connection.test run in the engine: the engine's side is a SecretStore whose operations are
// messages to the parent, and the parent answers each from its own store. The store's protection
// is known before anything is asked (it decides whether a password may be kept at all), so the
// parent hands it over at every engine start (KEYCHAIN_VARIABLE).
import type { SecretProtection, SecretStore } from '../secrets/secret-store'
import type { SecretReplyMessage, SecretRequest, SecretRequestMessage } from './protocol'

/** The engine's environment variable naming the protection of the parent's store; set only by a parent that answers. */
export const KEYCHAIN_VARIABLE = 'JOBDECK_KEYCHAIN'

export function parseProtection(text: string | undefined): SecretProtection | null {
  return text === 'secure' || text === 'insecure' || text === 'none' ? text : null
}

/** The engine's side: each operation is asked of the parent and resolves with its answer. */
export class PortSecretStore implements SecretStore {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (value: string | boolean | null) => void; reject: (error: Error) => void }>()
  private closed: string | null = null

  constructor(
    private readonly send: (message: SecretRequestMessage) => void,
    private readonly level: SecretProtection,
  ) {}

  protection(): SecretProtection {
    return this.level
  }

  async get(key: string): Promise<string | null> {
    const value = await this.ask({ op: 'get', key })
    return typeof value === 'string' ? value : null
  }

  async has(key: string): Promise<boolean> {
    return (await this.ask({ op: 'has', key })) === true
  }

  async set(key: string, value: string, options: { allowInsecure?: boolean } = {}): Promise<void> {
    await this.ask({ op: 'set', key, value, allowInsecure: options.allowInsecure === true })
  }

  async delete(key: string): Promise<void> {
    await this.ask({ op: 'delete', key })
  }

  /** The parent's answer to one request. */
  receive(reply: SecretReplyMessage): void {
    const waiting = this.pending.get(reply.id)
    if (!waiting) return
    this.pending.delete(reply.id)
    if (reply.ok) waiting.resolve(reply.value)
    else waiting.reject(new Error(reply.error))
  }

  /** No more answers will come (the engine shuts down): what waits fails, saying why. */
  close(why: string): void {
    this.closed = why
    for (const waiting of this.pending.values()) waiting.reject(new Error(why))
    this.pending.clear()
  }

  private ask(request: SecretRequest): Promise<string | boolean | null> {
    if (this.closed !== null) return Promise.reject(new Error(this.closed))
    return new Promise((resolve, reject) => {
      const id = this.nextId++
      this.pending.set(id, { resolve, reject })
      try {
        this.send({ kind: 'secret', id, ...request })
      } catch (error) {
        this.pending.delete(id)
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
  }
}

/** The parent's side: one request answered from `store` (or refused when the parent keeps no secrets). Never rejects. */
export async function answerSecretRequest(store: SecretStore | undefined, request: SecretRequestMessage): Promise<SecretReplyMessage> {
  const { id } = request
  if (!store) return { kind: 'secretReply', id, ok: false, error: 'the engine\'s parent keeps no secrets' }
  try {
    switch (request.op) {
      case 'get':
        return { kind: 'secretReply', id, ok: true, value: await store.get(request.key) }
      case 'has':
        return { kind: 'secretReply', id, ok: true, value: await store.has(request.key) }
      case 'set':
        await store.set(request.key, request.value, { allowInsecure: request.allowInsecure })
        return { kind: 'secretReply', id, ok: true, value: null }
      case 'delete':
        await store.delete(request.key)
        return { kind: 'secretReply', id, ok: true, value: null }
    }
  } catch (error) {
    return { kind: 'secretReply', id, ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}
