// Every curl example of the README's "HTTP API" section, run as written (sh, the real curl)
// against the real `jobdeck serve` on the example config with real tokens: each answers as the
// README says it does.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePrometheusText, samplesBy } from '../src-main/core/test-support/prometheus-text'
import { ROOT, serve, until, type Served } from './harness'

/** The `curl` commands of the section, continuation lines joined, in order. */
export function curlExamples(readme: string, heading = '## HTTP API'): string[] {
  const start = readme.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`README.md has no "${heading}" section`)
  const end = readme.indexOf('\n## ', start + heading.length + 2)
  const section = readme.slice(start, end < 0 ? undefined : end)
  const commands: string[] = []
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = (block[1] ?? '').replace(/\\\n\s*/g, '').split('\n')
    commands.push(...lines.filter((line) => line.startsWith('curl ')))
  }
  return commands
}

describe('the README\'s HTTP API examples', { timeout: 120_000 }, () => {
  let served: Served
  let site: string
  const env: Record<string, string> = {}
  beforeAll(async () => {
    // The API needs no window: a stand-in page instead of the built renderer.
    site = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-readme-'))
    fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>Jobdeck</title>')
    served = await serve({ env: { JOBDECK_RENDERER_DIR: site } })
    const token = (name: string, role: string): string => {
      const made = served.cli(['tokens', 'create', name, '--role', role])
      if (made.code !== 0) throw new Error(`jobdeck tokens create failed: ${made.stderr}`)
      return made.stdout.trimEnd().split('\n').at(-1) ?? ''
    }
    env.JOBDECK = new URL(served.url).origin
    env.TOKEN = token('ci-bot', 'operator')
    env.ADMIN_TOKEN = token('admin-bot', 'admin')
    env.VIEWER_TOKEN = token('dashboard', 'viewer')
    // A running server reads the token list again at most a second after a change.
    const sessionOf = (secret: string): Promise<number> =>
      fetch(new URL('/api/v1/session.get', served.url), { method: 'POST', headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status)
    await until(async () => (await sessionOf(env.VIEWER_TOKEN ?? '')) === 200, 5_000, 'the server to take the new tokens')
    // The runner paused, so the job the examples read and cancel is still waiting.
    expect(served.cli(['pause']).code).toBe(0)
    const made = served.cli(['enqueue', 'rebuild-report'])
    if (made.code !== 0) throw new Error(`jobdeck enqueue failed: ${made.stderr}`)
    env.JOB = made.stdout.trim()
  }, 90_000)
  afterAll(async () => {
    await served?.stop()
    fs.rmSync(site, { recursive: true, force: true })
  })

  it('has the seeds\' flows, and each one answers ok', () => {
    const examples = curlExamples(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'))
    for (const method of ['jobs.enqueue', 'jobs.enqueueBulk', 'jobs.get', 'jobs.cancel', 'jobs.clear', 'stats.byType', 'overlaps.list']) {
      expect(examples.some((c) => c.includes(`/api/v1/${method}"`)), method).toBe(true)
    }
    expect(examples.some((c) => c.includes('/healthz'))).toBe(true)
    expect(examples.some((c) => c.includes('/metrics"'))).toBe(true)
    for (const command of examples) {
      const run = spawnSync('sh', ['-c', `${command} -w '\\n%{http_code}'`], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 })
      expect(run.status, `${command}\n${run.stderr}`).toBe(0)
      const lines = run.stdout.trimEnd().split('\n')
      const status = lines.pop()
      expect(status, command).toBe('200')
      if (command.includes('/metrics"')) {
        // Prometheus text counting the jobs the examples enqueued (the runner is paused: they wait).
        const counts = samplesBy(parsePrometheusText(lines.join('\n'), { prefix: 'jobdeck_' }), 'jobdeck_jobs', 'status')
        expect(Object.values(counts).reduce((a, b) => a + b, 0), command).toBeGreaterThan(0)
        continue
      }
      const body = JSON.parse(lines.join('\n')) as { ok?: boolean; status?: string; error?: unknown }
      if (command.includes('/api/v1/')) expect(body, command).toMatchObject({ ok: true })
      else expect(body.status, command).toMatch(/^(ok|degraded)$/)
    }
  })
})
