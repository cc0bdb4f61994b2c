// `jobs.enqueue` over the HTTP API (keep-alive, bearer token) against the same call over the
// WebSocket transport, same run, same `jobdeck serve` (the real command, its runner paused so
// only the calls are measured): requests per second with one client waiting for each answer,
// and with 8 calls in flight. Modes alternate round by round, so the machine's load falls on all.
//
// BENCH_HTTP_CALLS (default 2000) calls per mode and round, BENCH_HTTP_ROUNDS (default 3).
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { fmt, report } from './bench-support'

const BIN = fileURLToPath(new URL('../bin/jobdeck.mjs', import.meta.url))
const CALLS = Number(process.env.BENCH_HTTP_CALLS ?? 2000)
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3)
const CONFIG = `jobs:
  report:
    command: [node, -e, "1"]
    params:
      dealer: { type: string, required: true }
      month: { type: string, default: "2026-11" }
`
const ARGS = { type: 'report', params: { dealer: '12345', month: '2026-11' } }

type Caller = () => Promise<void>

/** Runs `calls` calls with `inFlight` at a time; calls per second. */
async function rate(call: Caller, calls: number, inFlight: number): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < calls) {
        next++
        await call()
      }
    }),
  )
  return calls / ((performance.now() - started) / 1000)
}

function httpCaller(base: URL, token: string, agent: http.Agent): Caller {
  const body = JSON.stringify(ARGS)
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
  return () =>
    new Promise((resolve, reject) => {
      const req = http.request(new URL('/api/v1/jobs.enqueue', base), { method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`))
          else resolve()
        })
      })
      req.on('error', reject)
      req.end(body)
    })
}

async function socketCaller(openUrl: URL): Promise<{ call: Caller; close(): void }> {
  const ws = new WebSocket(`ws://${openUrl.host}/ws?token=${openUrl.searchParams.get('token') ?? ''}`, { origin: openUrl.origin })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  const waiting = new Map<number, { resolve(): void; reject(e: Error): void }>()
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { kind: string; id: number; result: { ok: boolean; error?: { message: string } } }
    if (m.kind !== 'result') return
    const w = waiting.get(m.id)
    waiting.delete(m.id)
    if (m.result.ok) w?.resolve()
    else w?.reject(new Error(m.result.error?.message ?? 'failed'))
  })
  let id = 0
  return {
    call: () =>
      new Promise((resolve, reject) => {
        const n = ++id
        waiting.set(n, { resolve, reject })
        ws.send(JSON.stringify({ kind: 'call', id: n, method: 'jobs.enqueue', args: ARGS }))
      }),
    close: () => ws.terminate(),
  }
}

export async function benchHttpApi(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-http-'))
  const site = path.join(dir, 'renderer')
  fs.mkdirSync(site)
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>Jobdeck</title>')
  const configPath = path.join(dir, 'jobdeck.yaml')
  fs.writeFileSync(configPath, CONFIG)
  const common = ['--data-dir', path.join(dir, 'data'), '--config', configPath]
  const cli = (args: string[]): string => {
    const r = spawnSync(process.execPath, [BIN, ...args, ...common], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`jobdeck ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  const token = cli(['tokens', 'create', 'bench', '--role', 'operator']).trimEnd().split('\n').at(-1) ?? ''
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...common], { env: { ...process.env, JOBDECK_RENDERER_DIR: site }, stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    let out = ''
    const openUrl = await new Promise<URL>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
        const m = /Jobdeck is serving (\S+)/.exec(out)
        if (m?.[1]) resolve(new URL(m[1]))
      })
      child.once('exit', (code) => reject(new Error(`jobdeck serve exited with ${code}`)))
    })
    cli(['pause'])
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
    const overHttp = httpCaller(openUrl, token, agent)
    const socket = await socketCaller(openUrl)
    await rate(overHttp, 300, 8)
    await rate(socket.call, 300, 8)
    const modes: Array<[string, Caller, number]> = [
      ['HTTP, 1 client', overHttp, 1],
      ['WebSocket, 1 client', socket.call, 1],
      ['HTTP, 8 in flight', overHttp, 8],
      ['WebSocket, 8 in flight', socket.call, 8],
    ]
    const results = new Map<string, number[]>(modes.map(([name]) => [name, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, call, inFlight] of modes) results.get(name)?.push(await rate(call, CALLS, inFlight))
    }
    socket.close()
    agent.destroy()
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
    const rows: Array<[string, string]> = modes.map(([name]) => [name, `${fmt(median(results.get(name) ?? []), 0)} calls/s (rounds: ${(results.get(name) ?? []).map((r) => fmt(r, 0)).join(', ')})`])
    const m = (name: string): number => median(results.get(name) ?? [])
    rows.push(['ratio HTTP / WebSocket, 1 client', `${fmt(m('HTTP, 1 client') / m('WebSocket, 1 client'))}×`])
    rows.push(['ratio HTTP / WebSocket, 8 in flight', `${fmt(m('HTTP, 8 in flight') / m('WebSocket, 8 in flight'))}×`])
    report(`jobs.enqueue over HTTP (keep-alive) and WebSocket, one jobdeck serve, runner paused, ${CALLS} calls × ${ROUNDS} rounds per mode (median)`, rows)
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchHttpApi()
