// A TLS terminator for tests: a private CA, a server certificate for 127.0.0.1 and localhost, a client certificate,
// and a TLS listener that demands that client certificate and pipes each connection to a plain Nacos port. It stands
// in for the TLS proxy (nginx, an ingress) an operator puts in front of Nacos.
//
// As a module: `await startTlsTerminator({ target: '127.0.0.1:8848' })`. As a process (for suites whose runner blocks
// the event loop): `node test/support/tls-terminator.mjs 127.0.0.1:8848 <dir>` writes the PEM files into <dir>, prints
// one JSON line { addr, dir } once it listens, and runs until killed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';

const openssl = (args, cwd) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

/** A CA and a certificate it signs, with the given extensions (P-256 keys: quick to make). */
function issue(dir, name, subject, ca, extensions) {
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject], dir);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
}

function makeCa(dir, name, subject) {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '2', '-subj', subject], dir);
}

/** Makes the PEM files: ca.pem, server.pem/server-key.pem, client.pem/client-key.pem, and other-ca.pem (untrusted). */
export function makeCertificates(dir = mkdtempSync(join(tmpdir(), 'nacos-edge-tls-'))) {
  makeCa(dir, 'ca', '/CN=nacos-edge test CA');
  makeCa(dir, 'other-ca', '/CN=another CA');
  issue(dir, 'server', '/CN=127.0.0.1', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  issue(dir, 'client', '/CN=nacos-edge test client', 'ca', 'extendedKeyUsage=clientAuth\n');
  // A client certificate from a CA the terminator does not trust.
  issue(dir, 'stranger', '/CN=stranger', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  const pem = (name) => readFileSync(join(dir, `${name}.pem`), 'utf8');
  return {
    dir,
    ca: pem('ca'),
    otherCa: pem('other-ca'),
    serverCert: pem('server'),
    serverKey: pem('server-key'),
    clientCert: pem('client'),
    clientKey: pem('client-key'),
    strangerCert: pem('stranger'),
    strangerKey: pem('stranger-key'),
  };
}

/**
 * Listens with TLS on 127.0.0.1 (a free port), demands a client certificate signed by the test CA, and pipes each
 * connection to `target`. `handshakes` counts the completed ones, `refused` the failed ones.
 */
export async function startTlsTerminator({ target, certificates = makeCertificates() }) {
  const [host, port] = target.split(':');
  const stats = { handshakes: 0, refused: 0 };
  const open = new Set();
  const server = createServer({ key: certificates.serverKey, cert: certificates.serverCert, ca: certificates.ca, requestCert: true, rejectUnauthorized: true }, (socket) => {
    stats.handshakes++;
    const upstream = connect(Number(port), host);
    open.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
      open.delete(socket);
      open.delete(upstream);
    };
    socket.on('error', end);
    upstream.on('error', end);
    socket.on('close', end);
    upstream.on('close', end);
  });
  server.on('tlsClientError', () => stats.refused++);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = `127.0.0.1:${server.address().port}`;
  return {
    addr,
    url: `https://${addr}`,
    certificates,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [target, dir] = process.argv.slice(2);
  const terminator = await startTlsTerminator({ target, certificates: makeCertificates(dir) });
  process.stdout.write(`${JSON.stringify({ addr: terminator.addr, dir: terminator.certificates.dir })}\n`);
}
