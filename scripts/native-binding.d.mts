/** <rootDir>/native/electron-<abi>/better_sqlite3.node; throws on a non-numeric ABI. */
export function electronBindingPath(rootDir: string, abi: string | number): string
