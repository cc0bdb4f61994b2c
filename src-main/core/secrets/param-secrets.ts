// The key of `secret: true` params, per mode, and sealing/opening with it (param-cipher.ts).
//  - JOBDECK_SECRET_KEY (32 random bytes, base64 or hex) wins everywhere; in shared mode it is the
//    only key: every instance sharing the database must seal and open with the same one.
//  - In the desktop app (local mode) the key lives in the OS keychain; the app hands it to its
//    engine process, which keeps it in memory only.
//  - Headless (local mode) the key is <data dir>/params.key, created 0600 on first need.
// Values are opened with whichever known key their `kid` names, so the app's engine also opens
// what the CLI sealed with params.key on the same data dir.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Params } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { isSealed, KEY_BYTES, keyId, openValue, sealValue, UnsealError, type StoredParams } from './param-cipher'

export const PARAM_KEY_FILE = 'params.key'

export interface ParamSecretsOptions {
  dataDir: string
  /** Shared mode: JOBDECK_SECRET_KEY is the only key. */
  shared: boolean
  env?: NodeJS.ProcessEnv
  /** Local mode in the desktop app: the key kept in the OS keychain, base64. */
  appKey?: string
}

interface Key {
  key: Buffer
  id: string
  from: string
}

const MAKE_ONE = 'e.g. `openssl rand -base64 32`'

/** 32 bytes as base64 (standard or URL-safe) or 64 hex digits; null when it is neither. */
export function parseKey(text: string): Buffer | null {
  const trimmed = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex')
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
  return bytes.length === KEY_BYTES ? bytes : null
}

function named(key: Buffer, from: string): Key {
  return { key, id: keyId(key), from }
}

export class ParamSecrets {
  private readonly keyFile: string
  private readonly fixed: Key | null
  private fileKey: Key | null | undefined

  constructor(private readonly options: ParamSecretsOptions) {
    this.keyFile = path.join(options.dataDir, PARAM_KEY_FILE)
    const env = options.env ?? process.env
    const fromEnv = env.JOBDECK_SECRET_KEY
    if (fromEnv !== undefined && fromEnv.trim() !== '') {
      const key = parseKey(fromEnv)
      if (!key) {
        throw new JobdeckError('config_invalid', `JOBDECK_SECRET_KEY must be ${KEY_BYTES} random bytes written as base64 (44 characters) or hex (64 digits), ${MAKE_ONE}`)
      }
      this.fixed = named(key, 'JOBDECK_SECRET_KEY')
    } else if (!options.shared && options.appKey) {
      const key = parseKey(options.appKey)
      this.fixed = key ? named(key, 'the OS keychain') : null
    } else {
      this.fixed = null
    }
  }

  /** Why nothing can be sealed or opened here, or null when a key is (or will be) there. */
  missingKey(): string | null {
    if (this.fixed || !this.options.shared) return null
    return `in shared mode every Jobdeck sharing the database needs the same key in JOBDECK_SECRET_KEY (${KEY_BYTES} random bytes, ${MAKE_ONE}), and this one has none`
  }

  /** The secret params (`names`) sealed for job `jobId`; the others as they are. */
  seal(jobId: string, params: Params, names: readonly string[]): StoredParams {
    const present = names.filter((name) => Object.hasOwn(params, name))
    if (present.length === 0) return params
    const key = this.sealingKey()
    const stored: StoredParams = { ...params }
    for (const name of present) stored[name] = sealValue(key.key, jobId, name, params[name] as Params[string])
    return stored
  }

  /** Job `jobId`'s params with every sealed one opened; throws a message that names no value. */
  open(jobId: string, stored: StoredParams): Params {
    const params: Params = {}
    for (const [name, value] of Object.entries(stored)) {
      if (!isSealed(value)) {
        params[name] = value
        continue
      }
      const key = this.knownKeys().find((k) => k.id === value.kid)
      if (!key) throw new JobdeckError('unavailable', `secret param "${name}" cannot be opened: ${this.unknownKeyReason(String(value.kid))}`)
      try {
        params[name] = openValue(key.key, jobId, name, value)
      } catch (error) {
        const why = error instanceof UnsealError ? error.message : 'its envelope is damaged'
        throw new JobdeckError('unavailable', `secret param "${name}" cannot be opened: ${why}`)
      }
    }
    return params
  }

  private sealingKey(): Key {
    if (this.fixed) return this.fixed
    const missing = this.missingKey()
    if (missing) throw new JobdeckError('unavailable', missing)
    return this.readKeyFile() ?? this.createKeyFile()
  }

  private knownKeys(): Key[] {
    if (this.options.shared) return this.fixed ? [this.fixed] : []
    const file = this.readKeyFile()
    return [...(this.fixed ? [this.fixed] : []), ...(file ? [file] : [])]
  }

  private unknownKeyReason(kid: string): string {
    const keys = this.knownKeys()
    const have = keys.length === 0 ? 'has no key' : `has ${keys.map((k) => `${k.id} (${k.from})`).join(' and ')}`
    const hint = this.options.shared
      ? 'every instance sharing the database must have the same JOBDECK_SECRET_KEY'
      : 'the desktop app keeps its key in the OS keychain and the jobdeck command uses params.key; give both the same JOBDECK_SECRET_KEY to share one key'
    return `it was sealed with key ${kid}, and this Jobdeck ${have}; ${hint}`
  }

  private readKeyFile(): Key | null {
    if (this.fileKey !== undefined && this.fileKey !== null) return this.fileKey
    let text: string
    try {
      text = fs.readFileSync(this.keyFile, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new JobdeckError('unavailable', `cannot read the key of secret params ${this.keyFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    const key = parseKey(text)
    if (!key) throw new JobdeckError('unavailable', `${this.keyFile} is damaged: it must hold ${KEY_BYTES} bytes as base64`)
    this.fileKey = named(key, this.keyFile)
    return this.fileKey
  }

  /**
   * Written whole to a private temporary file, then linked into place: the key file appears
   * complete or not at all, and of two processes creating it at once, one wins and both use its key.
   */
  private createKeyFile(): Key {
    fs.mkdirSync(this.options.dataDir, { recursive: true, mode: 0o700 })
    const temp = `${this.keyFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    fs.writeFileSync(temp, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    try {
      if (process.platform !== 'win32') fs.chmodSync(temp, 0o600)
      fs.linkSync(temp, this.keyFile)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    } finally {
      fs.rmSync(temp, { force: true })
    }
    const key = this.readKeyFile()
    if (!key) throw new JobdeckError('unavailable', `could not create the key of secret params ${this.keyFile}`)
    return key
  }
}
