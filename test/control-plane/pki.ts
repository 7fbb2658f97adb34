import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  saKey: string;
  saPub: string;
  /** Client certificates by name: admin, controller-manager, scheduler. */
  clients: Record<'admin' | 'controller-manager' | 'scheduler', { cert: string; key: string }>;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args);
}

async function keyPair(path: string): Promise<void> {
  // EC keys: generation is instant, unlike RSA, which matters when every run makes new ones.
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

async function signed(
  dir: string,
  name: string,
  subject: string,
  ext: string,
  ca: { cert: string; key: string },
): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  await keyPair(key);
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  await writeFile(extFile, ext);
  await openssl([
    // A random serial per certificate: -CAcreateserial races when certificates are signed in parallel.
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    `0x${randomBytes(12).toString('hex')}`,
    '-days',
    '7',
    '-out',
    cert,
    '-extfile',
    extFile,
  ]);
  return { cert, key };
}

/** A throwaway CA, serving certificate, client certificates and service-account keys. */
export async function generatePki(dir: string): Promise<Pki> {
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  await keyPair(caKey);
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    '/CN=sluice-test-ca',
    '-days',
    '7',
    '-out',
    caCert,
  ]);
  const ca = { cert: caCert, key: caKey };
  const clientExt =
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  const serverExt =
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
    'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,' +
    'DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n';
  const [server, admin, cm, sched] = await Promise.all([
    signed(dir, 'apiserver', '/CN=kube-apiserver', serverExt, ca),
    signed(dir, 'admin', '/O=system:masters/CN=sluice-test-admin', clientExt, ca),
    signed(dir, 'controller-manager', '/CN=system:kube-controller-manager', clientExt, ca),
    signed(dir, 'scheduler', '/CN=system:kube-scheduler', clientExt, ca),
  ]);
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  await keyPair(saKey);
  await openssl(['pkey', '-in', saKey, '-pubout', '-out', saPub]);
  return {
    dir,
    caCert,
    caKey,
    serverCert: server.cert,
    serverKey: server.key,
    saKey,
    saPub,
    clients: { admin, 'controller-manager': cm, scheduler: sched },
  };
}

export function kubeconfigYaml(
  server: string,
  caCert: string,
  client: { cert: string; key: string },
): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: sluice-test
  cluster:
    server: ${server}
    certificate-authority: ${caCert}
users:
- name: user
  user:
    client-certificate: ${client.cert}
    client-key: ${client.key}
contexts:
- name: sluice-test
  context:
    cluster: sluice-test
    user: user
current-context: sluice-test
`;
}
