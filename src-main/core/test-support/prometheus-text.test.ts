import { describe, expect, it } from 'vitest'
import { parsePrometheusText, sampleValue } from './prometheus-text'

const GOOD = `# HELP jobdeck_jobs Jobs by status.
# TYPE jobdeck_jobs gauge
jobdeck_jobs{status="queued"} 3
jobdeck_jobs{status="failed"} 0
# HELP jobdeck_run_duration_seconds How long runs took.
# TYPE jobdeck_run_duration_seconds histogram
jobdeck_run_duration_seconds_bucket{le="1",type="a \\"b\\" \\\\ c"} 1
jobdeck_run_duration_seconds_bucket{le="+Inf",type="a \\"b\\" \\\\ c"} 2
jobdeck_run_duration_seconds_sum{type="a \\"b\\" \\\\ c"} 3.5
jobdeck_run_duration_seconds_count{type="a \\"b\\" \\\\ c"} 2
`

describe('the strict Prometheus text reader', () => {
  it('reads families, types, escaped label values and histogram series', () => {
    const families = parsePrometheusText(GOOD, { prefix: 'jobdeck_' })
    expect(families.get('jobdeck_jobs')).toMatchObject({ type: 'gauge', help: 'Jobs by status.' })
    expect(sampleValue(families, 'jobdeck_jobs', { status: 'queued' })).toBe(3)
    expect(sampleValue(families, 'jobdeck_run_duration_seconds_bucket', { le: '+Inf', type: 'a "b" \\ c' })).toBe(2)
    expect(sampleValue(families, 'jobdeck_run_duration_seconds_sum')).toBe(3.5)
  })

  it.each([
    ['a name without the prefix', '# TYPE other gauge\nother 1\n', /does not start with jobdeck_/],
    ['a sample before its TYPE', 'jobdeck_x 1\n', /without a TYPE/],
    ['an unquoted label value', '# TYPE jobdeck_x gauge\njobdeck_x{a=1} 1\n', /not quoted/],
    ['a bad label name', '# TYPE jobdeck_x gauge\njobdeck_x{1a="1"} 1\n', /not a label name/],
    ['a bad escape', '# TYPE jobdeck_x gauge\njobdeck_x{a="\\t"} 1\n', /bad escape/],
    ['a value that is no number', '# TYPE jobdeck_x gauge\njobdeck_x 1,5\n', /not a number/],
    ['a TYPE after samples', '# TYPE jobdeck_x gauge\njobdeck_x 1\n# TYPE jobdeck_x counter\n', /after its samples or twice/],
    ['an unknown type', '# TYPE jobdeck_x meter\n', /expected a type/],
    ['a bucket without le', '# TYPE jobdeck_h histogram\njobdeck_h_bucket 1\n', /without le/],
    ['a comment of another kind', '# TYPE jobdeck_x gauge\n# hello\n', /expected "# HELP/],
    ['no final newline', '# TYPE jobdeck_x gauge\njobdeck_x 1', /newline/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parsePrometheusText(text, { prefix: 'jobdeck_' })).toThrow(message)
  })
})
