// How a job type reads in a select: title, name and description in the menu; title and name
// once chosen.
import { h, type VNodeChild } from 'vue'
import type { SelectOption } from 'naive-ui'
import type { JobTypeInfo } from '../../../src-shared/config-schema'

export type TypeOption = SelectOption & { label: string; value: string; type: JobTypeInfo }

export function typeOptions(types: readonly JobTypeInfo[]): TypeOption[] {
  return types.map((t) => ({ label: t.title, value: t.name, type: t }))
}

export function renderTypeLabel(option: { label?: unknown; type?: unknown }): VNodeChild {
  const t = option.type as JobTypeInfo | undefined
  if (!t) return String(option.label ?? '')
  return h('div', { class: 'type-option' }, [
    h('div', { class: 'type-option-title' }, [t.title, h('span', { class: 'type-option-name mono' }, t.name)]),
    t.description ? h('div', { class: 'type-option-desc' }, t.description) : null,
  ])
}

export function renderTypeTag({ option }: { option: { label?: unknown; value?: unknown } }): VNodeChild {
  return h('span', [String(option.label ?? ''), ' ', h('span', { class: 'type-option-name mono' }, String(option.value ?? ''))])
}
