// Example job: pages through a (simulated) CRM export for one dealer.
// Uses only Node globals, so it runs whether Node treats it as ESM or CommonJS.
// JOBDECK_EXAMPLE_SPEED: 1 = real pace (~2 s), 0 = instant, 5 = five times faster.

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

async function main() {
  const dealer = option('--dealer')
  const from = option('--from')
  if (!/^[0-9]{5}$/.test(dealer)) fail(`--dealer must be a five-digit dealer number, got "${dealer}"`, 2)
  if (from !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(from)) fail(`--from must be a date as YYYY-MM-DD, got "${from}"`, 2)

  const pages = 10
  console.log(`fetching prospects of dealer ${dealer}${from ? ` created since ${from}` : ''}`)
  console.log('::progress 0/100 connecting to CRM')
  await sleep(100)
  let total = 0
  for (let page = 1; page <= pages; page++) {
    await sleep(190)
    // Stable per dealer so reruns print the same numbers.
    const found = (Number(dealer) * page) % 37
    total += found
    console.log(`::progress ${page * 10}/100 fetching page ${page}`)
    console.log(`page ${page}/${pages}: ${found} prospects`)
  }
  console.log(`::items ok=${total} failed=0`)
  console.log(`stored ${total} prospects for dealer ${dealer}`)
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)))
