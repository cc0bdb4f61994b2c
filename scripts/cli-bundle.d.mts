/** Where the built command lives, relative to the checkout. */
export const BUNDLE_FILE: string
/** The bundle's file URL when nothing it was built from has changed; else null. */
export function freshBundleUrl(rootDir: string): string | null
/** Builds the bundle and its manifest of inputs. */
export function buildCliBundle(rootDir: string): Promise<{ bundle: string; inputs: number; bytes: number }>
