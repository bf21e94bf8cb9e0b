/**
 * A seccomp filter that stops a root worker's sandboxes from creating user namespaces.
 *
 * Why: a root worker's bubblewrap runs privileged, without a user namespace of its own (./bubblewrap.ts), so
 * bubblewrap's `--disable-userns` is not available to it, and the kernel lets any unprivileged user create a user
 * namespace: `unshare -r` made the sandbox user "root" of a namespace of its own, with every capability there and
 * the kernel's whole namespaced surface (mounts, netfilter, ...) within reach, which is where most container escapes
 * start. Flatpak, built on bubblewrap, refuses the same calls with a filter like this one; bubblewrap loads it
 * (`--seccomp FD`) before anything of the model's runs, and `no_new_privs` keeps it for every descendant.
 *
 * The program (classic BPF, as libseccomp's seccomp_export_bpf writes it) checks the architecture, then:
 * `unshare` and `clone` with CLONE_NEWUSER fail with EPERM; `clone3`, whose flags sit in memory a filter cannot
 * read, fails with ENOSYS so that libc falls back to `clone`; x32 and other foreign-ABI system calls fail with
 * EPERM, since the numbers checked are those of the native ABI only. Everything else is allowed.
 */

const CLONE_NEWUSER = 0x10000000;
const X32_SYSCALL_BIT = 0x40000000;
const EPERM = 1;
const ENOSYS = 38;

const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;

// struct seccomp_data: nr at 0, arch at 4, args[0] at 16 (its low 32 bits on little-endian machines).
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16;

// BPF opcodes.
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JSET_K = 0x45;
const RET_K = 0x06;

interface Architecture {
  audit: number;
  unshare: number;
  clone: number;
  clone3: number;
}

const ARCHITECTURES: Partial<Record<NodeJS.Architecture, Architecture>> = {
  x64: { audit: 0xc000003e, unshare: 272, clone: 56, clone3: 435 },
  arm64: { audit: 0xc00000b7, unshare: 97, clone: 220, clone3: 435 },
};

type Instruction = [code: number, jt: number, jf: number, k: number];

/** The filter for this machine's architecture, or null where it is not known (the pool then refuses to start). */
export function userNamespaceFilter(arch: NodeJS.Architecture = process.arch): Buffer | null {
  const syscalls = ARCHITECTURES[arch];
  if (!syscalls) return null;
  const deny = (errno: number): Instruction => [RET_K, 0, 0, SECCOMP_RET_ERRNO | errno];
  // Jump offsets count the instructions skipped, from the next one.
  const program: Instruction[] = [
    /* 0 */ [LD_W_ABS, 0, 0, OFFSET_ARCH],
    /* 1 */ [JEQ_K, 1, 0, syscalls.audit],
    /* 2 */ deny(EPERM),
    /* 3 */ [LD_W_ABS, 0, 0, OFFSET_NR],
    /* 4 */ [JSET_K, 0, 1, X32_SYSCALL_BIT],
    /* 5 */ deny(EPERM),
    /* 6 */ [JEQ_K, 0, 1, syscalls.clone3],
    /* 7 */ deny(ENOSYS),
    /* 8 */ [JEQ_K, 1, 0, syscalls.unshare],
    /* 9 */ [JEQ_K, 0, 3, syscalls.clone],
    /* 10 */ [LD_W_ABS, 0, 0, OFFSET_ARG0_LOW],
    /* 11 */ [JSET_K, 0, 1, CLONE_NEWUSER],
    /* 12 */ deny(EPERM),
    /* 13 */ [RET_K, 0, 0, SECCOMP_RET_ALLOW],
  ];
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], index) => {
    bytes.writeUInt16LE(code, index * 8);
    bytes.writeUInt8(jt, index * 8 + 2);
    bytes.writeUInt8(jf, index * 8 + 3);
    bytes.writeUInt32LE(k >>> 0, index * 8 + 4);
  });
  return bytes;
}
