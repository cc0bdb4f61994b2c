import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { electronBindingPath } from './native-binding.mjs'

describe('electronBindingPath', () => {
  it('is native/electron-<abi>/better_sqlite3.node under the root', () => {
    expect(electronBindingPath('/proj', '150')).toBe(join('/proj', 'native', 'electron-150', 'better_sqlite3.node'))
    expect(electronBindingPath('/proj', 150)).toBe(join('/proj', 'native', 'electron-150', 'better_sqlite3.node'))
  })

  it('accepts the abi_version file contents as read (trailing newline)', () => {
    expect(electronBindingPath('/proj', '150\n')).toBe(join('/proj', 'native', 'electron-150', 'better_sqlite3.node'))
  })

  it.each(['', 'abc', '../150', '1.2'])('rejects ABI %j', (abi) => {
    expect(() => electronBindingPath('/proj', abi)).toThrow(/invalid ABI/)
  })
})
