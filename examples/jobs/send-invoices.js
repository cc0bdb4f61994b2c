// Example job: sends a month's invoices; every Nth customer has no billing email, so the run ends
// partially successful (`::items ok=N failed=M`, exit code 0).
// Uses only Node globals, so it runs whether Node treats it as ESM or CommonJS.
// JOBDECK_EXAMPLE_SPEED: 1 = real pace (~2 s for 40), 0 = instant, 5 = five times faster.

const speed = Number(process.env.JOBDECK_EXAMPLE_SPEED ?? '1')
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, speed > 0 ? ms / speed : 0))

function option(name) {
  const prefix = `${name}=`
  const inline = process.argv.find((arg) => arg.startsWith(prefix))
  if (inline !== undefined) return inline.slice(prefix.length)
  const index = process.argv.indexOf(name)
  return index === -1 ? '' : (process.argv[index + 1] ?? '')
}

function fail(message, code = 1) {
  console.error(`error: ${message}`)
  process.exit(code)
}

function lastMonth() {
  const now = new Date()
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
  return date.toISOString().slice(0, 7)
}

function wholeNumber(name, fallback) {
  const text = option(name) || String(fallback)
  if (!/^\d+$/.test(text)) fail(`${name} must be a whole number, got "${text}"`, 2)
  return Number(text)
}

async function main() {
  const month = option('--month') || lastMonth()
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) fail(`--month must look like 2026-01, got "${month}"`, 2)
  const count = wholeNumber('--count', 40)
  const failEvery = wholeNumber('--fail-every', 13)
  const dryRun = option('--dry-run') === 'true'

  console.log(`${dryRun ? '[dry run] ' : ''}sending ${count} invoices for ${month}`)
  let ok = 0
  let failed = 0
  for (let i = 1; i <= count; i++) {
    await sleep(50)
    const invoice = `INV-${month}-${String(i).padStart(4, '0')}`
    if (failEvery > 0 && i % failEvery === 0) {
      failed++
      console.error(`${invoice}: customer C${1000 + i} has no billing email; skipped`)
    } else {
      ok++
      console.log(`${invoice}: ${dryRun ? 'would send' : 'sent'} to billing+c${1000 + i}@example.com`)
    }
    console.log(`::progress ${i}/${count} sending ${invoice}`)
    if (i % 10 === 0) console.log(`::items ok=${ok} failed=${failed}`)
  }
  console.log(`::items ok=${ok} failed=${failed}`)
  console.log(`done: ${ok} sent, ${failed} skipped`)
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)))
