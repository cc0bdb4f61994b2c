import { describe, expect, it } from 'vitest'
import { breakerHost, CircuitBreakers, clockTimeNear, type Permit, type Rejection } from './circuit-breaker'

const SETTINGS = { failures: 3, resetAfter: 30_000 }
const HOST = 'api.example.com'
// 2024-05-06 10:42:01 local time.
const T0 = new Date(2024, 4, 6, 10, 42, 1).getTime()

function setup(): { breakers: CircuitBreakers; clock: { t: number } } {
  const clock = { t: T0 }
  return { breakers: new CircuitBreakers({ now: () => clock.t }), clock }
}

function permit(breakers: CircuitBreakers, host = HOST): Permit {
  const admission = breakers.admit(host)
  if (!admission.allowed) throw new Error(`expected a permit, got: ${admission.message}`)
  return admission
}

function rejection(breakers: CircuitBreakers, host = HOST): Rejection {
  const admission = breakers.admit(host)
  if (admission.allowed) throw new Error('expected a rejection, got a permit')
  return admission
}

function fail(breakers: CircuitBreakers, times: number, host = HOST): void {
  for (let i = 0; i < times; i++) breakers.settle(permit(breakers, host), 'failure', SETTINGS)
}

const stateOf = (breakers: CircuitBreakers, host = HOST) => breakers.states().find((s) => s.host === host)

describe('CircuitBreakers', () => {
  it('starts closed and lets requests through', () => {
    const { breakers } = setup()
    expect(permit(breakers)).toEqual({ allowed: true, host: HOST, trial: false })
    expect(breakers.check(HOST)).toBeNull()
    expect(stateOf(breakers)).toEqual({ host: HOST, state: 'closed', failures: 0, openedAt: null })
  })

  it('stays closed below the threshold and counts consecutive failures', () => {
    const { breakers } = setup()
    fail(breakers, 2)
    expect(stateOf(breakers)).toEqual({ host: HOST, state: 'closed', failures: 2, openedAt: null })
    expect(permit(breakers).trial).toBe(false)
  })

  it('a success resets the count: failures must be in a row', () => {
    const { breakers } = setup()
    fail(breakers, 2)
    breakers.settle(permit(breakers), 'success', SETTINGS)
    fail(breakers, 2)
    expect(stateOf(breakers)?.state).toBe('closed')
    expect(stateOf(breakers)?.failures).toBe(2)
  })

  it('closed → open after `failures` consecutive failures; open rejects with when and until when', () => {
    const { breakers, clock } = setup()
    fail(breakers, 3)
    expect(stateOf(breakers)).toEqual({ host: HOST, state: 'open', failures: 3, openedAt: new Date(T0).toISOString() })
    clock.t = T0 + 5_000
    const rejected = rejection(breakers)
    expect(rejected).toMatchObject({ state: 'open', failures: 3, openedAt: T0, retryAt: T0 + 30_000 })
    expect(rejected.message).toBe(
      'circuit breaker for api.example.com is open since 10:42:01 (3 failures in a row); next try after 10:42:31',
    )
    expect(breakers.check(HOST)?.message).toBe(rejected.message)
  })

  it('only the host that failed is open', () => {
    const { breakers } = setup()
    fail(breakers, 3)
    expect(permit(breakers, 'other.example.com').trial).toBe(false)
    expect(breakers.states().map((s) => [s.host, s.state])).toEqual([
      ['api.example.com', 'open'],
      ['other.example.com', 'closed'],
    ])
  })

  it('still open just before resetAfter; open → half-open at resetAfter with exactly one trial', () => {
    const { breakers, clock } = setup()
    fail(breakers, 3)
    clock.t = T0 + 29_999
    rejection(breakers)
    clock.t = T0 + 30_000
    expect(stateOf(breakers)?.state).toBe('half-open') // the wait is over: the next request is the trial
    const trial = permit(breakers)
    expect(trial.trial).toBe(true)
    const second = rejection(breakers)
    expect(second.state).toBe('half-open')
    expect(second.retryAt).toBeNull()
    expect(second.message).toBe(
      'circuit breaker for api.example.com is half-open: a trial request is in progress (open since 10:42:01 after 3 failures in a row)',
    )
    expect(stateOf(breakers)?.state).toBe('half-open')
  })

  it('half-open → closed when the trial succeeds', () => {
    const { breakers, clock } = setup()
    fail(breakers, 3)
    clock.t = T0 + 30_000
    breakers.settle(permit(breakers), 'success', SETTINGS)
    expect(stateOf(breakers)).toEqual({ host: HOST, state: 'closed', failures: 0, openedAt: null })
    expect(permit(breakers).trial).toBe(false)
    expect(permit(breakers).trial).toBe(false)
  })

  it('half-open → open again when the trial fails, for another resetAfter from then', () => {
    const { breakers, clock } = setup()
    fail(breakers, 3)
    clock.t = T0 + 40_000
    breakers.settle(permit(breakers), 'failure', SETTINGS)
    expect(stateOf(breakers)).toEqual({
      host: HOST,
      state: 'open',
      failures: 4,
      openedAt: new Date(T0 + 40_000).toISOString(),
    })
    clock.t = T0 + 69_999
    expect(rejection(breakers).message).toBe(
      'circuit breaker for api.example.com is open since 10:42:41 (4 failures in a row); next try after 10:43:11',
    )
    clock.t = T0 + 70_000
    expect(permit(breakers).trial).toBe(true)
  })

  it('a trial that ends without a verdict (canceled) lets the next request be the trial', () => {
    const { breakers, clock } = setup()
    fail(breakers, 3)
    clock.t = T0 + 30_000
    breakers.settle(permit(breakers), 'abandoned', SETTINGS)
    expect(stateOf(breakers)?.failures).toBe(3)
    expect(permit(breakers).trial).toBe(true)
  })

  it('late reports of requests sent before the breaker opened do not disturb the trial', () => {
    const { breakers, clock } = setup()
    const early = [permit(breakers), permit(breakers)]
    fail(breakers, 3)
    clock.t = T0 + 30_000
    const trial = permit(breakers)
    breakers.settle(early[0] as Permit, 'failure', SETTINGS)
    breakers.settle(early[1] as Permit, 'abandoned', SETTINGS)
    expect(stateOf(breakers)).toMatchObject({ state: 'half-open', failures: 4, openedAt: new Date(T0).toISOString() })
    rejection(breakers)
    breakers.settle(trial, 'success', SETTINGS)
    expect(stateOf(breakers)?.state).toBe('closed')
  })

  it('a late success while open closes the breaker: the host answered', () => {
    const { breakers } = setup()
    const early = permit(breakers)
    fail(breakers, 3)
    breakers.settle(early, 'success', SETTINGS)
    expect(stateOf(breakers)).toEqual({ host: HOST, state: 'closed', failures: 0, openedAt: null })
  })

  it('a threshold of 1 opens on the first failure and says so in the singular', () => {
    const { breakers } = setup()
    breakers.settle(permit(breakers), 'failure', { failures: 1, resetAfter: 1_000 })
    expect(rejection(breakers).message).toBe(
      'circuit breaker for api.example.com is open since 10:42:01 (1 failure); next try after 10:42:02',
    )
  })

  it('keys by host with port', () => {
    expect(breakerHost('https://api.example.com/x?y=1')).toBe('api.example.com')
    expect(breakerHost('http://127.0.0.1:8080/x')).toBe('127.0.0.1:8080')
    expect(breakerHost('https://API.Example.com:443/')).toBe('api.example.com')
  })

  it('clockTimeNear adds the date when it is not today', () => {
    expect(clockTimeNear(T0, T0 + 1_000)).toBe('10:42:01')
    expect(clockTimeNear(T0, T0 + 86_400_000)).toBe('2024-05-06 10:42:01')
  })
})
