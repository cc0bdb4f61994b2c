// The secret port across the engine's process boundary: what the engine's store asks, the parent
// answers from its own store (the keychain), refusals included; nothing waits forever.
import { describe, expect, it } from 'vitest'
import { MemorySecretStore } from '../secrets/secret-store'
import { parseFromEngine, parseToEngine, type SecretRequestMessage } from './protocol'
import { answerSecretRequest, parseProtection, PortSecretStore } from './secret-port'

/** Both sides wired as the engine protocol wires them: messages serialised and parsed on arrival. */
function wired(parent: MemorySecretStore | undefined, protection: 'secure' | 'insecure' | 'none' = 'secure') {
  const sent: SecretRequestMessage[] = []
  const engine: PortSecretStore = new PortSecretStore((message) => {
    const request = parseFromEngine(JSON.parse(JSON.stringify(message)))
    if (request?.kind !== 'secret') throw new Error('not a secret request')
    sent.push(request)
    void answerSecretRequest(parent, request).then((reply) => {
      const parsed = parseToEngine(JSON.parse(JSON.stringify(reply)))
      if (parsed?.kind === 'secretReply') engine.receive(parsed)
    })
  }, protection)
  return { engine, sent }
}

describe('secret port', () => {
  it("keeps, reads and removes a secret in the parent's store, with the protection the parent announced", async () => {
    const keychain = new MemorySecretStore('insecure')
    const { engine, sent } = wired(keychain, 'insecure')
    expect(engine.protection()).toBe('insecure')
    await engine.set('postgres:jd@db:5432/q', 'pw', { allowInsecure: true })
    expect(await keychain.get('postgres:jd@db:5432/q')).toBe('pw')
    expect(await engine.get('postgres:jd@db:5432/q')).toBe('pw')
    expect(await engine.has('postgres:jd@db:5432/q')).toBe(true)
    expect(await engine.get('postgres:other@db:5432/q')).toBeNull()
    await engine.delete('postgres:jd@db:5432/q')
    expect(await keychain.has('postgres:jd@db:5432/q')).toBe(false)
    expect(sent.map((m) => m.op)).toEqual(['set', 'get', 'has', 'get', 'delete'])
  })

  it("passes the parent store's refusal on, and is refused by a parent that keeps no secrets", async () => {
    const { engine } = wired(new MemorySecretStore('insecure'), 'insecure')
    await expect(engine.set('k', 'pw')).rejects.toThrow(/needs an explicit choice/)
    await expect(wired(undefined).engine.get('k')).rejects.toThrow(/keeps no secrets/)
  })

  it('fails what waits, and what is asked later, once the engine shuts down', async () => {
    const engine = new PortSecretStore(() => undefined, 'secure')
    const waiting = engine.get('k')
    engine.close('the engine has shut down')
    await expect(waiting).rejects.toThrow('the engine has shut down')
    await expect(engine.set('k', 'v')).rejects.toThrow('the engine has shut down')
  })

  it('takes only well-formed messages and known protections', () => {
    expect(parseFromEngine({ kind: 'secret', id: 1, op: 'set', key: 'k' })).toBeNull() // a set without its value
    expect(parseFromEngine({ kind: 'secret', id: 1, op: 'drop', key: 'k' })).toBeNull()
    expect(parseToEngine({ kind: 'secretReply', id: 1, ok: true, value: { a: 1 } })).toBeNull()
    expect(parseToEngine({ kind: 'secretReply', id: 1, ok: false })).toEqual({ kind: 'secretReply', id: 1, ok: false, error: 'the secret store failed' })
    expect(['secure', 'insecure', 'none', 'yes', undefined].map(parseProtection)).toEqual(['secure', 'insecure', 'none', null, null])
  })
})
