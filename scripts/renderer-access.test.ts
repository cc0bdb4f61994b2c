// Issue 17: the window hides what its role cannot do. Read from the components' sources: every
// control whose handler reaches a method a viewer may not call (directly, through the component's
// own functions, or through the store action or child event that calls it) sits under a
// `v-if` that asks `can('that.method')`, and so does every keyboard shortcut that reaches one.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { ElementNode, TemplateChildNode } from '@vue/compiler-core'
import { parse } from '@vue/compiler-sfc'
import { describe, expect, it } from 'vitest'
import { roleAllows } from '../src-shared/access'
import { apiAccess, type ApiMethod } from '../src-shared/api'
import { API_METHODS } from '../src-shared/bridge'

const RENDERER = path.join(__dirname, '..', 'src-renderer')
const sources = (readdirSync(RENDERER, { recursive: true }) as string[])
  .filter((f) => /\.(ts|vue)$/.test(f) && !f.endsWith('.test.ts') && !f.startsWith('test-support'))
  .map((f) => ({ file: f, text: readFileSync(path.join(RENDERER, f), 'utf8') }))

const VIEWER_CANNOT = API_METHODS.filter((m) => !roleAllows('viewer', apiAccess[m].role))

/**
 * How a component reaches a method besides `call('method', …)` itself: the store actions,
 * composables and child events that end in that call. A new way in belongs here.
 */
const ENTRY_POINTS: Partial<Record<ApiMethod, RegExp[]>> = {
  'jobs.enqueue': [/\bdialogs\.openAdd\(/],
  'jobs.enqueueBulk': [/\bdialogs\.openBulk\(/],
  'jobs.cancel': [/\bactions\.cancel\(/, /\bemit\('cancel'/],
  // Only offered by the toast after a cancel, itself under can('jobs.restore') (job-actions.ts).
  'jobs.restore': [],
  'jobs.retry': [/\bactions\.retry(Many)?\(/, /\bemit\('retry'/],
  'jobs.startNow': [/\bstarter\.ask\(/, /\bemit\('startNow'/],
  'jobs.setPriority': [/\bactions\.setPriority\(/, /\bemit\('priority'/],
  'jobs.clear': [/\bshowClear = true\b/],
  'runner.pause': [],
  'runner.resume': [],
  'schedules.pause': [/\bstore\.pause\(/, /\bopenPauseMenu\(/],
  'schedules.resume': [/\bstore\.resume\(/],
  'schedules.runNow': [/\bstore\.runNow\(/],
  'alerts.test': [/\balerts\.test\(/],
  'alerts.snooze': [/\balerts\.snooze\(/],
  'retention.run': [/\bretention\.runNow\(/],
  'connection.test': [/\bdatabase\.test\(/],
  'connection.save': [/\bdatabase\.save\(/],
  'config.reload': [/\bconfig\.reload\(/],
  'sources.sync': [/\bsources\.sync\(/],
  'sources.test': [/\bsources\.test\(/],
  'sources.markFailed': [/\bsources\.markFailed\(/],
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The methods a piece of code calls or asks for through an entry point. */
function methodsIn(code: string): Set<ApiMethod> {
  const found = new Set<ApiMethod>()
  for (const m of VIEWER_CANNOT) {
    const ways = [new RegExp(`\\bcall\\([^)]*'${escape(m)}'`), ...(ENTRY_POINTS[m] ?? [])]
    if (ways.some((way) => way.test(code))) found.add(m)
  }
  return found
}

/** Top-level statements of a script by the name they declare (a function or a const). */
function declarations(script: string): Map<string, string> {
  const byName = new Map<string, string>()
  const starts = [...script.matchAll(/^(?=\S)(?!\}|\)|\]|\/\/|\*|\/\*)/gm)].map((m) => m.index)
  starts.forEach((start, i) => {
    const chunk = script.slice(start, starts[i + 1] ?? script.length)
    const name = /^(?:export\s+)?(?:async\s+)?function\s+(\w+)|^(?:export\s+)?const\s+(\w+)\s*=/.exec(chunk)
    const declared = name?.[1] ?? name?.[2]
    if (declared) byName.set(declared, chunk)
  })
  return byName
}

/** What `code` reaches, following the script's own functions it names. */
function reach(code: string, script: Map<string, string>, seen = new Set<string>()): Set<ApiMethod> {
  const found = methodsIn(code)
  for (const [, name] of code.matchAll(/\b([A-Za-z_$][\w$]*)\b/g)) {
    if (!name || seen.has(name) || !script.has(name)) continue
    seen.add(name)
    for (const m of reach(script.get(name) ?? '', script, seen)) found.add(m)
  }
  return found
}

/** Methods a condition asks `can(…)` about (`can(paused ? 'runner.resume' : 'runner.pause')` names both). */
function asked(condition: string): Set<string> {
  const names = new Set<string>()
  for (const [, inner] of condition.matchAll(/\bcan\(([^()]*)\)/g)) for (const [, m] of (inner ?? '').matchAll(/'([\w.]+)'/g)) if (m) names.add(m)
  return names
}

export interface Unguarded {
  file: string
  control: string
  method: ApiMethod
}

/** Controls and shortcuts of one SFC that reach a method a viewer cannot call without a `can()` over them. */
export function unguardedIn(file: string, sfc: string): Unguarded[] {
  const { descriptor } = parse(sfc, { filename: file })
  // Comments name functions in prose ("cancel, priority or Start now"): they reach nothing.
  const scriptText = `${descriptor.script?.content ?? ''}\n${descriptor.scriptSetup?.content ?? ''}`.replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '')
  const script = declarations(scriptText)
  // Our own components' events are checked where they are emitted (their `emit('cancel'…)`).
  const ownComponents = new Set([...scriptText.matchAll(/^import\s+(\w+)\s+from\s+'[^']+\.vue'/gm)].map((m) => m[1]))
  const found: Unguarded[] = []

  const visit = (node: TemplateChildNode, guards: Set<string>): void => {
    if (node.type !== 1) return
    const element = node as ElementNode
    const here = new Set(guards)
    for (const prop of element.props) {
      if (prop.type === 7 && (prop.name === 'if' || prop.name === 'else-if') && prop.exp && 'content' in prop.exp) for (const m of asked(prop.exp.content)) here.add(m)
    }
    for (const prop of element.props) {
      if (prop.type !== 7 || prop.name !== 'on' || !prop.exp || !('content' in prop.exp)) continue
      if (ownComponents.has(element.tag)) continue
      const event = prop.arg && 'content' in prop.arg ? prop.arg.content : '?'
      for (const method of reach(prop.exp.content, script)) {
        if (!here.has(method)) found.push({ file, control: `<${element.tag} @${event}="${prop.exp.content}">`, method })
      }
    }
    for (const child of element.children) visit(child, here)
  }
  for (const child of descriptor.template?.ast?.children ?? []) visit(child, new Set())

  for (const [, chunk] of scriptText.matchAll(/^(useHotkey\([\s\S]*?^\}\))/gm)) {
    const code = chunk ?? ''
    const guards = asked(code)
    for (const method of reach(code, script)) if (!guards.has(method)) found.push({ file, control: code.split('\n')[0] ?? code, method })
  }
  return found
}

describe('the window hides what its role cannot do', () => {
  it('every control and shortcut reaching a method a viewer cannot call sits under can(that method)', () => {
    const components = sources.filter((s) => s.file.endsWith('.vue'))
    expect(components.length).toBeGreaterThan(40)
    const unguarded = components.flatMap((s) => unguardedIn(s.file, s.text))
    expect(unguarded).toEqual([])
  })

  it('every method the window calls that a viewer cannot has its ways in listed, and is asked about by a can() somewhere', () => {
    const called = new Set<string>()
    const askedAnywhere = new Set<string>()
    for (const { text } of sources) {
      for (const [, m] of text.matchAll(/'([a-z]+\.[A-Za-z]+)'/g)) if (m && (VIEWER_CANNOT as string[]).includes(m)) called.add(m)
      for (const m of asked(text)) askedAnywhere.add(m)
    }
    expect(called.size).toBeGreaterThan(15)
    expect([...called].filter((m) => !(m in ENTRY_POINTS)).sort()).toEqual([])
    expect([...called].filter((m) => !askedAnywhere.has(m)).sort()).toEqual([])
    for (const m of Object.keys(ENTRY_POINTS)) expect(VIEWER_CANNOT, `${m} is listed but a viewer may call it`).toContain(m)
  })

  it('the check fires: an unguarded Cancel, a guard naming another method, a handler reaching a call through a function, and a bare N shortcut', () => {
    const bad = `<script setup lang="ts">
const actions = useJobActions()
function stop(): void {
  void actions.cancel(job)
}
async function reload(): Promise<void> {
  await config.reload()
}
useHotkey('n', () => {
  dialogs.openAdd()
})
</script>
<template>
  <div>
    <button @click="stop">Cancel</button>
    <div v-if="can('jobs.retry')"><button @click="reload">Reload</button></div>
    <button v-if="can('config.reload')" @click="reload">Reload</button>
  </div>
</template>`
    expect(unguardedIn('Bad.vue', bad).map((u) => [u.method, u.control])).toEqual([
      ['jobs.cancel', '<button @click="stop">'],
      ['config.reload', '<button @click="reload">'],
      ['jobs.enqueue', "useHotkey('n', () => {"],
    ])
    const good = bad
      .replace('<button @click="stop">', `<button v-if="can('jobs.cancel')" @click="stop">`)
      .replace(`v-if="can('jobs.retry')"`, `v-if="can('config.reload')"`)
      .replace('  dialogs.openAdd()', "  if (!can('jobs.enqueue')) return false\n  dialogs.openAdd()")
    expect(unguardedIn('Good.vue', good)).toEqual([])
  })
})
