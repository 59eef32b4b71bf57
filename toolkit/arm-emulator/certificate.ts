// A self-signed certificate made at start and kept in memory: the SDKs' bearer-token policy refuses
// plain HTTP, so the emulator speaks HTTPS and clients trust this one certificate via `https.Agent({ ca })`.

import { generate } from 'selfsigned';

export interface ServerCertificate {
  /** PEM of the certificate; pass it as `ca` to trust the emulator. */
  certificatePem: string;
  privateKeyPem: string;
}

export async function createServerCertificate(): Promise<ServerCertificate> {
  // EC keys take milliseconds to make where RSA takes seconds; validity spans a day, ample for any run.
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'arm-emulator.localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 2 * 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { certificatePem: pems.cert, privateKeyPem: pems.private };
}
