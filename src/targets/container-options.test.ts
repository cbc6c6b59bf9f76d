import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { rejection } from '../../test/support/rejection.js';
import { demuxDockerLog, firstFileInTar } from './container-engine.js';
import {
  containerSpec,
  credentialEnv,
  CREDENTIAL_FILES,
  logTail,
  loopbackHostPort,
  loopbackPortBindings,
  parseEnv,
  rewriteKubeconfigServer,
  tokenAuthCsv,
} from './container-options.js';

const fails = (fn: () => unknown) => rejection(Promise.resolve().then(fn));

describe('containerSpec: the container target\'s flags', () => {
  it('needs --image; defaults port 6443 and /readyz; keeps the image\'s CMD unless --arg is given', () => {
    expect(containerSpec({ image: 'fork:1' })).toEqual({ image: 'fork:1', containerPort: 6443, env: {}, command: undefined, readyPath: '/readyz', containerKubeconfig: undefined });
    expect(containerSpec({ image: 'fork:1', containerPort: 8443, arg: ['--v=2', '--etcd-servers=x'], env: ['A=1'], readyPath: '/livez', containerKubeconfig: '/out/kc' })).toEqual({
      image: 'fork:1',
      containerPort: 8443,
      env: { A: '1' },
      command: ['--v=2', '--etcd-servers=x'],
      readyPath: '/livez',
      containerKubeconfig: '/out/kc',
    });
  });

  it('refuses what cannot work, naming the flag (WM_USAGE, exit 2)', async () => {
    for (const [flags, message] of [
      [{}, /^--target container needs --image IMAGE/],
      [{ image: 'x', containerPort: 0 }, /^--container-port 0: not a port/],
      [{ image: 'x', containerPort: 1.5 }, /^--container-port 1.5: not a port/],
      [{ image: 'x', readyPath: 'readyz' }, /^--ready-path "readyz": must start with \//],
      [{ image: 'x', containerKubeconfig: 'out/kc' }, /^--container-kubeconfig "out\/kc": must be an absolute path/],
    ] as const) {
      const err = await fails(() => containerSpec(flags));
      expect(err.code).toBe('WM_USAGE');
      expect(err.message).toMatch(message);
    }
    expect((await fails(() => containerSpec({}, 'k3s'))).message).toMatch(/^--target k3s needs --image/);
  });

  it('--env NAME=VALUE: the value may hold = or be empty; a bad or repeated name is refused without echoing the value', async () => {
    expect(parseEnv(['A=1', 'B=x=y', 'C='])).toEqual({ A: '1', B: 'x=y', C: '' });
    expect((await fails(() => parseEnv(['NOVALUE']))).message).toBe('--env "NOVALUE" is not NAME=VALUE');
    expect((await fails(() => parseEnv(['1A=secret']))).message).toBe('--env "1A=…" is not NAME=VALUE');
    expect((await fails(() => parseEnv(['A=1', 'A=2']))).message).toBe('--env names A twice');
  });
});

describe('the credentials convention', () => {
  it('mounts CA, serving cert and key, token and token CSV in /watchmark, each named by a WATCHMARK_* variable', () => {
    expect(credentialEnv()).toEqual({
      WATCHMARK_CA_FILE: '/watchmark/ca.crt',
      WATCHMARK_TLS_CERT_FILE: '/watchmark/tls.crt',
      WATCHMARK_TLS_KEY_FILE: '/watchmark/tls.key',
      WATCHMARK_TOKEN_FILE: '/watchmark/token',
      WATCHMARK_TOKEN_AUTH_FILE: '/watchmark/tokens.csv',
    });
    expect(Object.keys(CREDENTIAL_FILES)).toHaveLength(5);
  });

  it('the token CSV makes the token\'s user an admin (group system:masters), in kube-apiserver\'s --token-auth-file format', () => {
    expect(tokenAuthCsv('abc')).toBe('abc,watchmark-admin,watchmark-admin,"system:masters"\n');
  });
});

describe('the port binding: 127.0.0.1 only', () => {
  it('asks the engine for a free port on 127.0.0.1 (testcontainers\' own binding has no HostIp: every interface)', () => {
    expect(loopbackPortBindings(6443)).toEqual({ '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] });
  });

  it('reads the host port back, refusing a binding on any other address', async () => {
    expect(loopbackHostPort({ '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '39469' }] }, 6443)).toBe(39469);
    const open = await fails(() => loopbackHostPort({ '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '1' }, { HostIp: '0.0.0.0', HostPort: '1' }] }, 6443));
    expect([open.code, open.message]).toEqual(['WM_TARGET', 'the engine bound container port 6443 on 0.0.0.0, not only 127.0.0.1']);
    expect((await fails(() => loopbackHostPort({ '6443/tcp': [{ HostIp: '', HostPort: '1' }] }, 6443))).message).toMatch(/on 0\.0\.0\.0, not only/);
    expect((await fails(() => loopbackHostPort({ '80/tcp': [] }, 6443))).message).toBe('the engine published no host port for container port 6443');
    expect((await fails(() => loopbackHostPort({ '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] }, 6443))).message).toMatch(/without a host port/);
  });
});

describe('rewriteKubeconfigServer: the kubeconfig a container wrote, pointed at the mapped port', () => {
  const written = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: wm',
    '  cluster:',
    '    server: https://127.0.0.1:6443',
    '    certificate-authority-data: Q0E=',
    'users:',
    '- name: admin',
    '  user:',
    '    token: t0k',
    'contexts:',
    '- name: wm',
    '  context: {cluster: wm, user: admin}',
    'current-context: wm',
    '',
  ].join('\n');

  it('changes every cluster\'s server and nothing else', () => {
    const out = parseYaml(rewriteKubeconfigServer(written, 'https://127.0.0.1:39469'));
    const before = parseYaml(written);
    before.clusters[0].cluster.server = 'https://127.0.0.1:39469';
    expect(out).toEqual(before);
  });

  it('refuses a kubeconfig naming its CA by a path inside the container, one without clusters, and non-YAML', async () => {
    const byPath = written.replace('certificate-authority-data: Q0E=', 'certificate-authority: /var/lib/ca.crt');
    const err = await fails(() => rewriteKubeconfigServer(byPath, 'https://127.0.0.1:1', '--container-kubeconfig /out/kc'));
    expect([err.code, err.message]).toEqual(['WM_KUBECONFIG', '--container-kubeconfig /out/kc names its CA by a path in the container (certificate-authority); write certificate-authority-data instead']);
    expect((await fails(() => rewriteKubeconfigServer('kind: Config\n', 'https://x'))).message).toBe('the container\'s kubeconfig has no clusters');
    expect((await fails(() => rewriteKubeconfigServer('a: [', 'https://x'))).message).toMatch(/^the container's kubeconfig is not YAML: /);
  });
});

describe('reading what the engine answers', () => {
  it('demuxes Docker\'s multiplexed log frames (stdout 1, stderr 2, 8-byte headers); plain text passes through', () => {
    const frame = (stream: number, text: string) => Buffer.concat([Buffer.from([stream, 0, 0, 0]), Buffer.from(new Uint32Array([0]).buffer).fill(0).subarray(0, 0), (() => { const b = Buffer.alloc(4); b.writeUInt32BE(Buffer.byteLength(text)); return b; })(), Buffer.from(text)]);
    expect(demuxDockerLog(Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 2\n')]))).toBe('out 1\nerr 2\n');
    expect(demuxDockerLog(Buffer.from('a tty log\n'))).toBe('a tty log\n');
    expect(logTail('1\n2\n3\n', 2)).toBe('2\n3');
    expect(logTail('')).toBe('(no output)');
  });

  it('takes the first regular file out of a tar archive (GET /containers/ID/archive), skipping PAX headers', () => {
    const header = (name: string, size: number, type: string) => {
      const h = Buffer.alloc(512);
      h.write(name, 0);
      h.write(size.toString(8).padStart(11, '0') + '\0', 124);
      h.write(type, 156);
      return h;
    };
    const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
    const pax = Buffer.from('30 path=a-very-long-name/kubeconfig\n');
    const body = Buffer.from('apiVersion: v1\n');
    const tar = Buffer.concat([header('PaxHeader', pax.length, 'x'), pad(pax), header('kubeconfig', body.length, '0'), pad(body), Buffer.alloc(1024)]);
    expect(firstFileInTar(tar)).toBe('apiVersion: v1\n');
    expect(firstFileInTar(Buffer.alloc(1024))).toBeUndefined();
  });
});
