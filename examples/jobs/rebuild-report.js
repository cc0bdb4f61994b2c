// Example job: a slow report rebuild (--seconds, default 20) reporting `::progress N%`.
// Uses only Node globals, so it runs whether Node treats it as ESM or CommonJS.
// JOBDECK_EXAMPLE_SPEED: 1 = real pace, 0 = instant, 5 = five times faster.

const speed = Number(process.env.JOBDECK_EXAMPLE_SPEED ?? '1')
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, speed > 0 ? ms / speed : 0))

function option(name) {
  const index = process.argv.indexOf(name)
  return index === -1 ? '' : (process.argv[index + 1] ?? '')
}

function fail(message, code = 1) {
  console.error(`error: ${message}`)
  process.exit(code)
}

const PHASES = [
  [0, 'loading source tables'],
  [25, 'aggregating by region'],
  [60, 'computing trends'],
  [85, 'rendering charts'],
]

async function main() {
  const report = option('--report') || process.env.REPORT_NAME || 'sales'
  const secondsText = option('--seconds') || '20'
  const seconds = Number(secondsText)
  if (!Number.isFinite(seconds) || seconds <= 0) fail(`--seconds must be a positive number, got "${secondsText}"`, 2)
  const asOf = option('--as-of') || new Date().toISOString()

  console.log(`rebuilding report "${report}" as of ${asOf} (about ${seconds}s)`)
  const steps = 20
  for (let step = 0; step <= steps; step++) {
    const percent = (step * 100) / steps
    const phase = PHASES.filter(([from]) => from <= percent).at(-1)
    console.log(`::progress ${percent}% ${phase ? phase[1] : ''}`)
    if (PHASES.some(([from]) => from === percent)) console.log(`phase: ${phase ? phase[1] : ''}`)
    if (step < steps) await sleep((seconds * 1000) / steps)
  }
  console.log(`report "${report}" written: 12 pages, 48 charts`)
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)))
