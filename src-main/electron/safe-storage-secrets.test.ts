import { describe, expect, it, vi } from 'vitest'
import { pgSecretKey } from '../core/secrets/secret-store'
import { InsecureSecretStoreError, SafeStorageSecrets, type SafeStorageLike, type SecretsFs } from './safe-storage-secrets'

vi.mock('electron', () => ({}))

type Backend = ReturnType<SafeStorageLike['getSelectedStorageBackend']>

/** A reversible "encryption" standing in for the OS keychain. */
function fakeSafeStorage(backend: Backend = 'gnome_libsecret', available = true) {
  return {
    isAsyncEncryptionAvailable: vi.fn(async () => available),
    encryptStringAsync: vi.fn(async (text: string) => Buffer.from(`enc:${[...text].reverse().join('')}`)),
    decryptStringAsync: vi.fn(async (data: Buffer) => {
      const text = data.toString()
      if (!text.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      return { result: [...text.slice(4)].reverse().join(''), shouldReEncrypt: false }
    }),
    getSelectedStorageBackend: vi.fn(() => backend),
  } satisfies SafeStorageLike
}

function memoryFs(): SecretsFs & { files: Map<string, string> } {
  const files = new Map<string, string>()
  return { files, read: (file) => files.get(file) ?? null, write: (file, text) => void files.set(file, text) }
}

const FILE = '/user-data/secrets.json'
const KEY = pgSecretKey('postgres://jobdeck@db.internal:5432/jobs')

async function open(backend: Backend, platform: NodeJS.Platform = 'linux', available = true) {
  const fs = memoryFs()
  const safeStorage = fakeSafeStorage(backend, available)
  const store = await SafeStorageSecrets.open({ safeStorage, file: FILE, platform, fs, log: () => {} })
  return { store, fs, safeStorage }
}

describe('SafeStorageSecrets', () => {
  it('keeps a password encrypted (base64 ciphertext in the file, never the plain text) and reads it back', async () => {
    const { store, fs } = await open('gnome_libsecret')
    expect(store.protection()).toBe('secure')
    await store.set(KEY, 's3cret-pässword')
    const text = fs.files.get(FILE)!
    expect(text).not.toContain('s3cret')
    const stored = JSON.parse(text) as { secrets: Record<string, { value: string; backend: string }> }
    expect(stored.secrets[KEY]?.backend).toBe('gnome_libsecret')
    expect(Buffer.from(stored.secrets[KEY]!.value, 'base64').toString()).toMatch(/^enc:/)
    expect(await store.get(KEY)).toBe('s3cret-pässword')
    expect(await store.get('postgres:other@h:5432/x')).toBeNull()
    await store.delete(KEY)
    expect(await store.get(KEY)).toBeNull()
  })

  it('refuses basic_text without consent, and stores with it', async () => {
    const { store, fs, safeStorage } = await open('basic_text')
    expect(store.protection()).toBe('insecure')
    expect(store.state()).toMatchObject({ protection: 'insecure', backend: 'basic_text' })
    expect(store.state().summary).toMatch(/explicit choice/)
    await expect(store.set(KEY, 'pw')).rejects.toBeInstanceOf(InsecureSecretStoreError)
    await expect(store.set(KEY, 'pw', { allowInsecure: false })).rejects.toThrow(/no secure password storage here \(safeStorage backend: basic_text\)/)
    expect(safeStorage.encryptStringAsync).not.toHaveBeenCalled()
    expect(fs.files.size).toBe(0)
    await store.set(KEY, 'pw', { allowInsecure: true })
    expect(await store.get(KEY)).toBe('pw')
  })

  it('treats an undetermined Linux backend as insecure, and macOS / Windows as secure', async () => {
    expect((await open('unknown')).store.protection()).toBe('insecure')
    for (const platform of ['darwin', 'win32'] as const) {
      const { store } = await open('unknown', platform)
      expect(store.protection()).toBe('secure')
      expect(store.state().backend).toBeNull()
    }
  })

  it('stores nothing when the OS offers no encryption at all', async () => {
    const { store } = await open('basic_text', 'linux', false)
    expect(store.protection()).toBe('none')
    await expect(store.set(KEY, 'pw', { allowInsecure: true })).rejects.toThrow(/cannot be stored/)
    expect(await store.get(KEY)).toBeNull()
  })

  it('does not hold up the app for a keyring waiting to be unlocked, and uses it once it answers', async () => {
    let unlock!: (available: boolean) => void
    const safeStorage = { ...fakeSafeStorage('gnome_libsecret'), isAsyncEncryptionAvailable: vi.fn(() => new Promise<boolean>((resolve) => (unlock = resolve))) }
    const fs = memoryFs()
    const store = await SafeStorageSecrets.open({ safeStorage, file: FILE, platform: 'linux', fs, log: () => {}, waitMs: 10 })
    expect(store.protection()).toBe('none')
    const saving = store.set(KEY, 'pw')
    unlock(true)
    await saving
    expect(store.protection()).toBe('secure')
    expect(await store.get(KEY)).toBe('pw')
  })

  it('answers null for a value the keychain can no longer decrypt, and ignores a damaged file', async () => {
    const { store, fs } = await open('kwallet5')
    fs.files.set(FILE, JSON.stringify({ version: 1, secrets: { [KEY]: { value: Buffer.from('garbage').toString('base64'), backend: 'kwallet5', storedAt: '' } } }))
    expect(await store.get(KEY)).toBeNull()
    fs.files.set(FILE, '{oops')
    expect(await store.get(KEY)).toBeNull()
    await store.set(KEY, 'again')
    expect(await store.get(KEY)).toBe('again')
  })
})
