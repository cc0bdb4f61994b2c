/** Whether a Node version is inside an `engines.node` range; null when the range's form is unknown. */
export function satisfiesNodeRange(version: string, range: string): boolean | null
/** package.json's `engines.node`, and whether `version` (default: this Node) is inside it. */
export function checkNode(rootDir: string, version?: string): { range: string; ok: boolean }
