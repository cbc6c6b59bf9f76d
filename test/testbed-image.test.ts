import { describe, expect, it } from 'vitest';
import { sharedLibraries, TESTBED_IMAGES } from '../scripts/testbed-image.mjs';

describe('npm run testbed:image (scripts/testbed-image.mjs)', () => {
  it('copies what ldd lists: the libraries by their resolved path and the dynamic loader; nothing for a static binary', () => {
    const ldd = [
      '\tlinux-vdso.so.1 (0x00007f0256d9a000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0256ba7000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f0256d9c000)',
    ].join('\n');
    expect(sharedLibraries(ldd)).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
    expect(sharedLibraries('\tnot a dynamic executable\n')).toEqual([]);
  });

  it('the images the compose file and the container target use: names, ports and loopback-free in-container listeners', () => {
    expect(TESTBED_IMAGES.map((i) => [i.image, i.binary, i.port])).toEqual([
      ['watchmark-testbed/kube-apiserver', 'wm-kube-apiserver', 6443],
      ['watchmark-testbed/kine', 'kine', 2379],
    ]);
    // In a container the listener must not be loopback (the engine forwards to the container's address).
    expect(TESTBED_IMAGES[0]!.cmd.join(' ')).toContain('--bind-address 0.0.0.0 --port 6443');
    expect(TESTBED_IMAGES[1]!.cmd).toContain('--listen-address=0.0.0.0:2379');
    expect(TESTBED_IMAGES[1]!.cmd).toContain('--metrics-bind-address=0');
  });
});
