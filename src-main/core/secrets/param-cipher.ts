// The envelope of a `secret: true` param value inside the stored params JSON. Version 1:
//   { "jobdeck:secret": 1, "kid": "<8 hex>", "iv": "<base64url, 12 bytes>",
//     "ct": "<base64url ciphertext>", "tag": "<base64url, 16 bytes>" }
// AES-256-GCM over the JSON of the value (so a number stays a number), with a random IV per
// value and the job id and param name as additional data: a sealed value opens only as the same
// param of the same job, so copying it into another job (or another param) gets nothing.
// `kid` names the key without revealing it, so a value sealed with another key is reported as
// such instead of as damage. Param values themselves are never objects, so an object in the JSON
// is unambiguously an envelope.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import type { ParamValue } from '../../../src-shared/domain'

export const ENVELOPE_FIELD = 'jobdeck:secret'
export const ENVELOPE_VERSION = 1
export const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16

export interface SealedValue {
  [ENVELOPE_FIELD]: number
  kid: string
  iv: string
  ct: string
  tag: string
}

/** Params as stored: secret ones sealed. Only the store, the enqueuer and the runner see these. */
export type StoredParamValue = ParamValue | SealedValue
export type StoredParams = Record<string, StoredParamValue>

export function isSealed(value: unknown): value is SealedValue {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && ENVELOPE_FIELD in value
}

/** A short public name of a key: the first 4 bytes of a hash of it, in hex. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('jobdeck param key id\0').update(key).digest('hex').slice(0, 8)
}

function additionalData(jobId: string, param: string): Buffer {
  return Buffer.from(`${ENVELOPE_FIELD}:${ENVELOPE_VERSION}:${jobId}:${param}`, 'utf8')
}

export function sealValue(key: Buffer, jobId: string, param: string, value: ParamValue): SealedValue {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(additionalData(jobId, param))
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
  return {
    [ENVELOPE_FIELD]: ENVELOPE_VERSION,
    kid: keyId(key),
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  }
}

/** Why a sealed value could not be opened, in words that name no part of it. */
export class UnsealError extends Error {}

export function openValue(key: Buffer, jobId: string, param: string, sealed: SealedValue): ParamValue {
  if (sealed[ENVELOPE_FIELD] !== ENVELOPE_VERSION) {
    throw new UnsealError(`it was sealed in envelope version ${String(sealed[ENVELOPE_FIELD])}, which this Jobdeck does not know; upgrade it`)
  }
  const iv = Buffer.from(String(sealed.iv), 'base64url')
  const tag = Buffer.from(String(sealed.tag), 'base64url')
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new UnsealError('its envelope is damaged')
  let text: string
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(additionalData(jobId, param))
    decipher.setAuthTag(tag)
    text = Buffer.concat([decipher.update(Buffer.from(String(sealed.ct), 'base64url')), decipher.final()]).toString('utf8')
  } catch {
    throw new UnsealError('it does not open with its key: the value was changed, or copied from another job or param')
  }
  const value: unknown = JSON.parse(text)
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new UnsealError('its envelope is damaged')
  return value
}
