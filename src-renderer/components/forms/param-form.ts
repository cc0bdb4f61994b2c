// A job type's param schema → form fields, and the form's values → params. Validation is the
// engine's own (`validateParamValue` / `validateParams` from src-shared), so the form accepts
// exactly what `jobs.enqueue` accepts and says so in the same words.
import type { ParamDef } from '../../../src-shared/config-schema'
import type { ParamValue, Params } from '../../../src-shared/domain'
import { validateParamValue, validateParams, type ParamsResult } from '../../../src-shared/params'
import { isSecretParam, redactSecretValue, SECRET_MASK } from '../../../src-shared/secret-params'

export type ControlKind = 'text' | 'secret' | 'number' | 'date' | 'datetime' | 'enum' | 'boolean'

export interface ParamField {
  name: string
  label: string
  /** The param's description, shown as help under the field. */
  help: string | null
  control: ControlKind
  required: boolean
  /** `secret: true`: typed hidden, never pre-filled (a copied job asks for it again), shown as •••• afterwards. */
  secret: boolean
  def: ParamDef
  placeholder: string
  options: Array<{ label: string; value: string }>
  min: number | null
  max: number | null
  /** Arrow-key step of number fields. */
  step: number
}

/** Text for every control but the switch; the switch holds a boolean. Empty means absent. */
export type FieldValue = string | boolean

export type FormValues = Record<string, FieldValue>

const CONTROL: Record<ParamDef['type'], ControlKind> = {
  string: 'text',
  integer: 'number',
  number: 'number',
  boolean: 'boolean',
  enum: 'enum',
  date: 'date',
  datetime: 'datetime',
}

function rangeHint(def: ParamDef): string {
  if (def.min !== undefined && def.max !== undefined) return `${def.min} – ${def.max}`
  if (def.min !== undefined) return `≥ ${def.min}`
  if (def.max !== undefined) return `≤ ${def.max}`
  return def.type === 'integer' ? 'whole number' : 'number'
}

function placeholderOf(def: ParamDef): string {
  const optional = def.required ? '' : ' (optional)'
  switch (def.type) {
    case 'string':
      return def.pattern ? `matching ${def.pattern}${optional}` : `text${optional}`
    case 'integer':
    case 'number':
      return `${rangeHint(def)}${optional}`
    case 'date':
      return `YYYY-MM-DD${optional}`
    case 'datetime':
      return `date and time${optional}`
    case 'enum':
      return `choose${optional}`
    case 'boolean':
      return ''
  }
}

/** A secret typed as text or a number is typed hidden; other types keep their control. */
function controlOf(def: ParamDef): ControlKind {
  const control = CONTROL[def.type]
  return isSecretParam(def) && (control === 'text' || control === 'number') ? 'secret' : control
}

const SECRET_HELP = `Secret: stored encrypted and shown as ${SECRET_MASK} from then on; a copied job asks for it again.`

/** One field per param, in the order the config declares them. */
export function fieldsFor(params: Record<string, ParamDef>): ParamField[] {
  return Object.entries(params).map(([name, def]) => ({
    name,
    label: def.label ?? name,
    help: isSecretParam(def) ? [def.description, SECRET_HELP].filter(Boolean).join(' ') : (def.description ?? null),
    control: controlOf(def),
    required: def.required,
    secret: isSecretParam(def),
    def,
    placeholder: placeholderOf(def),
    options: (def.values ?? []).map((v) => ({ label: v, value: v })),
    min: def.min ?? null,
    max: def.max ?? null,
    step: def.type === 'integer' ? 1 : stepOf(def),
  }))
}

function stepOf(def: ParamDef): number {
  const span = def.min !== undefined && def.max !== undefined ? def.max - def.min : null
  if (span !== null && span > 0 && span <= 1) return 0.1
  return 1
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** An instant as the datetime picker's local `yyyy-MM-dd'T'HH:mm:ss` text; '' when unreadable. */
export function toLocalDateTimeText(value: string | number): string {
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

function asFieldValue(field: ParamField, value: ParamValue | undefined): FieldValue {
  if (field.control === 'boolean') {
    if (typeof value === 'boolean') return value
    if (typeof value === 'string') return ['true', '1', 'yes'].includes(value.trim().toLowerCase())
    return value === 1
  }
  if (value === undefined) return ''
  if (field.control === 'datetime') return toLocalDateTimeText(typeof value === 'boolean' ? '' : value)
  return String(value)
}

/**
 * Defaults pre-filled; `prefill` (e.g. the params of a run being copied) wins where given, except
 * for a secret: what a copy holds is only its mask, so the field stays empty and asks again.
 */
export function initialValues(fields: readonly ParamField[], prefill: Params = {}): FormValues {
  const values: FormValues = {}
  for (const field of fields) {
    const given = !field.secret && Object.hasOwn(prefill, field.name) ? prefill[field.name] : undefined
    values[field.name] = asFieldValue(field, given ?? field.def.default)
  }
  return values
}

/** A run's params as a new job's prefill: its secrets (all the copy has is their mask) left out, to be typed again. */
export function copyableParams(params: Params, defs: Record<string, ParamDef>): Params {
  const copy: Params = {}
  for (const [name, value] of Object.entries(params)) if (!isSecretParam(defs[name]) && value !== SECRET_MASK) copy[name] = value
  return copy
}

/** The form's values as the API input: empty fields left out, so defaults apply as in the engine. */
export function toInput(values: FormValues): Record<string, ParamValue> {
  const input: Record<string, ParamValue> = {}
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string' && value.trim() === '') continue
    input[name] = value
  }
  return input
}

/** `param "x": expected …` reads as `expected …` under the field named x. */
export function stripParamPrefix(message: string, name: string): string {
  const prefix = `param "${name}": `
  return message.startsWith(prefix) ? message.slice(prefix.length) : message
}

/** This field's error in the engine's words (a secret is not quoted), or null when its value is acceptable. */
export function fieldError(field: ParamField, value: FieldValue | undefined): string | null {
  const raw = typeof value === 'string' && value.trim() === '' ? undefined : value
  const result = validateParamValue(field.name, field.def, raw)
  if (result.ok) return null
  const message = stripParamPrefix(result.error.message, field.name)
  return field.secret ? redactSecretValue(message, raw) : message
}

export function fieldErrors(fields: readonly ParamField[], values: FormValues): Record<string, string> {
  const errors: Record<string, string> = {}
  for (const field of fields) {
    const error = fieldError(field, values[field.name])
    if (error !== null) errors[field.name] = error
  }
  return errors
}

/** The whole form, checked exactly as `jobs.enqueue` will check it. */
export function checkForm(params: Record<string, ParamDef>, values: FormValues): ParamsResult {
  return validateParams(params, toInput(values))
}

/** `dealer_id=12345 · from=2026-01-01`: how a job's params read in one line. */
export function paramsSummary(params: Params, limit = 6): string {
  const entries = Object.entries(params)
  const shown = entries.slice(0, limit).map(([k, v]) => `${k}=${String(v)}`)
  if (entries.length > limit) shown.push(`+${entries.length - limit} more`)
  return shown.join(' · ')
}

/** Number fields step with the arrow keys, staying within min/max; unreadable text is left as is. */
export function stepValue(field: ParamField, text: string, direction: 1 | -1): string {
  const current = text.trim() === '' ? null : Number(text)
  if (current !== null && !Number.isFinite(current)) return text
  let next = current === null ? (field.min ?? 0) : current + direction * field.step
  if (field.min !== null) next = Math.max(field.min, next)
  if (field.max !== null) next = Math.min(field.max, next)
  const digits = field.step < 1 ? 1 : 0
  return String(Number(next.toFixed(Math.max(digits, decimals(text)))))
}

function decimals(text: string): number {
  const dot = text.indexOf('.')
  return dot < 0 ? 0 : Math.min(6, text.length - dot - 1)
}
