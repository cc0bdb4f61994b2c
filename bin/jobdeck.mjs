#!/usr/bin/env node
// The CLI runs in this very process: tsx compiles the TypeScript sources on the fly, so
// `npx jobdeck` works right after `npm install`, with no build step and no wrapper child.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src-main/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
