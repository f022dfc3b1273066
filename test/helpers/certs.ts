// A self-signed P-256 certificate for 127.0.0.1 and localhost, made by openssl in a folder the test owns: the
// TLS listener, the local push service and the Mosquitto TLS listener are all tested with one like it, trusted by
// the client that is handed `cert` (never by turning certificate checks off).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface LocalCert {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** Writes cert.pem and key.pem into `dir` (valid one day) and returns them. */
export function makeLocalhostCert(dir: string): LocalCert {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'];
  const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'];
  execFileSync('openssl', [...args, ...subject, '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
