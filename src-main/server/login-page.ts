// The sign-in page for people other than the owner (who opens the URL `jobdeck serve` printed):
// a form that takes an API token. Server-rendered, no script at all; its one style block is
// allowed by its hash, so the page passes a CSP as strict as the app's.
import { createHash } from 'node:crypto'

export const LOGIN_PATH = '/login'
export const LOGOUT_PATH = '/logout'
/** A token is 64-odd characters; a form far larger than that is not a sign-in. */
export const LOGIN_FORM_LIMIT = 4096

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f5f6f8; color: #1d2330; }
main { background: #fff; border: 1px solid #d8dce3; border-radius: 8px; padding: 28px 32px; width: min(420px, 90vw); }
h1 { font-size: 20px; margin: 0 0 4px; }
p { margin: 0 0 16px; color: #4a5263; }
label { display: block; font-weight: 600; margin-bottom: 6px; }
input { box-sizing: border-box; width: 100%; padding: 8px 10px; font: 14px ui-monospace, monospace; border: 1px solid #b9c0cc; border-radius: 6px; }
button { margin-top: 16px; padding: 8px 16px; font: inherit; font-weight: 600; color: #fff; background: #2f5fd0; border: 0; border-radius: 6px; cursor: pointer; }
.refused { color: #b42318; font-weight: 600; }
@media (prefers-color-scheme: dark) {
  body { background: #15181e; color: #e4e7ec; }
  main { background: #1d2129; border-color: #353b47; }
  p { color: #a8b0bf; }
  input { background: #15181e; color: #e4e7ec; border-color: #4a5263; }
  .refused { color: #f97066; }
}
`

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64')

/** Nothing runs on this page; the form posts only to this server. */
export const LOGIN_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`

/**
 * Why the page is shown: to sign in; `refused`, the token just given was not accepted (never why:
 * unknown, expired and revoked look alike); `signed-out`, a window's session ended under it (the
 * window comes here when its token is revoked or expires, SIGNED_OUT_PAGE).
 */
export type LoginNote = 'sign-in' | 'refused' | 'signed-out'

const HOW = 'Sign in with an API token (<code>jobdeck tokens create NAME --role viewer</code>), or open the URL <code>jobdeck serve</code> printed.'

const NOTES: Readonly<Record<LoginNote, string>> = {
  'sign-in': `<p>${HOW}</p>`,
  refused: '<p class="refused" role="alert">That token was not accepted.</p>',
  'signed-out': `<p class="refused" role="alert">Signed out: the token this window used was revoked or has expired.</p>\n<p>${HOW}</p>`,
}

export function loginPage(why: LoginNote): string {
  const note = NOTES[why]
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Jobdeck</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Jobdeck</h1>
${note}
<form method="post" action="${LOGIN_PATH}">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required autofocus>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`
}

/** The token of an urlencoded sign-in form, or null. */
export function tokenFromForm(body: string): string | null {
  const token = new URLSearchParams(body).get('token')?.trim()
  return token ? token : null
}
