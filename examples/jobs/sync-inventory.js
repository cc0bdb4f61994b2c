// Example job: syncs stock levels from a warehouse API that fails now and then (--fail-rate).
// Uses only Node globals, so it runs whether Node treats it as ESM or CommonJS.
// JOBDECK_EXAMPLE_SPEED: 1 = real pace (~1 s), 0 = instant, 5 = five times faster.

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

const STEPS = ['authenticating', 'listing SKUs', 'downloading stock levels', 'reconciling', 'writing changes']

async function main() {
  const warehouse = option('--warehouse') || 'north'
  const failRateText = option('--fail-rate') || '0.3'
  const failRate = Number(failRateText)
  if (!Number.isFinite(failRate) || failRate < 0 || failRate > 1) {
    fail(`--fail-rate must be a number between 0 and 1, got "${failRateText}"`, 2)
  }
  // Decided up front so the failing step is the same for a given run.
  const failAt = Math.random() < failRate ? 2 : -1

  console.log(`syncing inventory of warehouse ${warehouse}`)
  for (const [index, step] of STEPS.entries()) {
    console.log(`::progress ${index}/${STEPS.length} ${step}`)
    await sleep(200)
    if (index === failAt) {
      console.error(`warehouse API GET /v2/${warehouse}/stock -> 503 Service Unavailable`)
      fail(`inventory API of warehouse ${warehouse} is unavailable (503); simulated with failRate=${failRate}`)
    }
    console.log(`${step}: done`)
  }
  console.log(`::progress ${STEPS.length}/${STEPS.length} done`)
  console.log(`warehouse ${warehouse}: 1,284 SKUs checked, 37 stock levels changed`)
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)))
