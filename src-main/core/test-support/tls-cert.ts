// A self-signed certificate for 127.0.0.1 and localhost, made by openssl, for TLS tests.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export function selfSignedCert(dir: string): { cert: Buffer; key: Buffer; certPath: string; keyPath: string } {
  const certPath = path.join(dir, 'cert.pem')
  const keyPath = path.join(dir, 'key.pem')
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyPath, '-out', certPath],
    { stdio: 'pipe' },
  )
  return { cert: fs.readFileSync(certPath), key: fs.readFileSync(keyPath), certPath, keyPath }
}
