import { describe, expect, it } from 'vitest'
import { paramFlags, parseCommandArgs, UsageError } from './args'
import { COMMANDS } from './commands'

const GLOBAL = { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, param: { type: 'string', multiple: true } } as const

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (error instanceof UsageError) return error.message
    throw error
  }
  throw new Error('accepted')
}

describe('parseCommandArgs', () => {
  it('every command refuses an argument beyond the ones it takes', () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const args = [...command.positionals.map((_, i) => `arg${i}`), 'extra']
      expect(refusal(() => parseCommandArgs(args, command.options, command.positionals)), name).toMatch(
        /^unexpected argument "extra": this command takes /,
      )
      expect(parseCommandArgs(args.slice(0, -1), command.options, command.positionals).positionals, name).toHaveLength(command.positionals.length)
    }
  })

  it('refuses an option given twice, saying both values', () => {
    expect(refusal(() => parseCommandArgs(['--data-dir', 'a', '--data-dir=b'], GLOBAL, []))).toBe('--data-dir is given twice ("a" and "b"); give it once')
    expect(refusal(() => parseCommandArgs(['--json', '--json'], GLOBAL, []))).toBe('--json is given twice; give it once')
    expect(parseCommandArgs(['--param', 'a=1', '--param', 'b=2'], GLOBAL, []).values.param).toEqual(['a=1', 'b=2'])
  })
})

describe('paramFlags', () => {
  it('refuses a param given twice instead of keeping the last', () => {
    expect(paramFlags(['a=1', 'b=x=y'])).toEqual({ a: '1', b: 'x=y' })
    expect(refusal(() => paramFlags(['tag=a', 'tag=b']))).toBe('--param: "tag" is given twice ("a" and "b"); give each param once')
    expect(refusal(() => paramFlags(['novalue']))).toBe('--param: expected name=value, got "novalue"')
  })

  it('keeps a param called __proto__ as a param', () => {
    const params = paramFlags(['__proto__=x'])
    expect(Object.keys(params)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype)
  })
})
