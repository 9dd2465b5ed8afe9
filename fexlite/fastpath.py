"""The compiled fast path: a small C extension (cffi API mode) that handles a guest
`int 0x80` in C when the route needs nothing but a number and register
re-extension, and calls the Python hook for everything else.

Its table is filled from the route's own plans (`Route.fast_spec`), never kept by
hand. It also carries a block hook that stops the engine from inside when asked
(a pending signal, another thread's turn): Unicorn may only be stopped from the
thread that runs it without corrupting guest state.

The extension is compiled once per (source, unicorn, Python) into a cache folder;
without a C compiler fexlite runs the Python path and says so with --verbose.
"""
import hashlib
import importlib.machinery
import importlib.util
import os
import sys
import sysconfig

GATE_PYTHON, GATE_INT80, GATE_SYSCALL64 = 0, 1, 2
EINTR_TRAP = 0x100           # the pseudo interrupt number for "a fast call got EINTR"

STATE = """
typedef struct {
    uint8_t gate[512];
    int32_t target[512];
    uint8_t sext[512];
    volatile int32_t slow;
    volatile int32_t stop;
    uint32_t last_nr;
    int32_t last_result;
    uint64_t fast_calls;
    void *python;
} fp_state;
"""
CDEF = STATE + "int fp_install(void *uc, fp_state *st);\n"

SOURCE = r"""
#include <stdint.h>
#include <errno.h>
#include <unistd.h>
#include <unicorn/unicorn.h>
""" + STATE + r"""
typedef void (*intr_cb)(uc_engine *, uint32_t, void *);
static int REGS[7] = {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX,
                      UC_X86_REG_ESI, UC_X86_REG_EDI, UC_X86_REG_EBP};

#if defined(__x86_64__)
static inline int32_t int80(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3,
                            uint32_t a4, uint32_t a5, uint32_t a6)
{
    uint32_t r;
    __asm__ volatile("push %%rbp\n\tmov %k7, %%ebp\n\tint $0x80\n\tpop %%rbp"
                     : "=a"(r)
                     : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5), "r"(a6)
                     : "memory", "cc", "r8", "r9", "r10", "r11");
    return (int32_t)r;
}
#endif

static void on_intr(uc_engine *uc, uint32_t intno, void *user)
{
    fp_state *st = (fp_state *)user;
    if (intno == 0x80 && !st->slow && !st->stop) {
        uint32_t v[7] = {0};
        void *ptrs[7] = {&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]};
        uc_reg_read_batch(uc, REGS, ptrs, 7);
        uint32_t nr = v[0];
        if (nr < 512 && st->gate[nr]) {
            long r = -ENOSYS;
            if (st->gate[nr] == 2) {
                long a[6];
                for (int i = 0; i < 6; i++)
                    a[i] = (st->sext[nr] >> i & 1) ? (long)(int32_t)v[i + 1] : (long)v[i + 1];
                r = syscall(st->target[nr], a[0], a[1], a[2], a[3], a[4], a[5]);
                if (r == -1)
                    r = -errno;
            }
#if defined(__x86_64__)
            else if (st->gate[nr] == 1) {
                r = int80((uint32_t)st->target[nr], v[1], v[2], v[3], v[4], v[5], v[6]);
            }
#endif
            uint32_t eax = (uint32_t)r;
            uc_reg_write(uc, UC_X86_REG_EAX, &eax);
            st->fast_calls++;
            if (r == -EINTR) {
                st->last_nr = nr;
                st->last_result = (int32_t)r;
                ((intr_cb)st->python)(uc, 0x100, user);
            }
            return;
        }
    }
    ((intr_cb)st->python)(uc, intno, user);
}

static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    fp_state *st = (fp_state *)user;
    if (st->stop) {
        st->stop = 0;
        uc_emu_stop(uc);
    }
}

int fp_install(void *uc, fp_state *st)
{
    uc_hook h1, h2;
    int err = uc_hook_add((uc_engine *)uc, &h1, UC_HOOK_INTR, (void *)on_intr, st, 1, 0);
    if (err)
        return err;
    return uc_hook_add((uc_engine *)uc, &h2, UC_HOOK_BLOCK, (void *)on_block, st, 1, 0);
}
"""

_module = None
_why_not = ""


def _unicorn_dir() -> str:
    spec = importlib.util.find_spec("unicorn")
    return list(spec.submodule_search_locations)[0]


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fexlite")


def _module_name() -> str:
    ucdir = _unicorn_dir()
    key = hashlib.sha256((SOURCE + CDEF + ucdir + sys.version).encode()).hexdigest()[:12]
    return f"_fexlite_fastpath_{key}"


def _build(name: str, where: str, path: str) -> None:
    """Compile in a private folder, then move the module into place atomically, so
    processes starting together never load a half-written file."""
    import cffi
    import shutil
    import tempfile
    ucdir = _unicorn_dir()
    libdir = os.path.join(ucdir, "lib")
    ffibuilder = cffi.FFI()
    ffibuilder.cdef(CDEF)
    ffibuilder.set_source(name, SOURCE, include_dirs=[os.path.join(ucdir, "include")],
                          library_dirs=[libdir], extra_objects=[os.path.join(libdir, "libunicorn.so.2")],
                          extra_link_args=[f"-Wl,-rpath,{libdir}"])
    os.makedirs(where, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="build-", dir=where)
    try:
        built = ffibuilder.compile(tmpdir=tmp, verbose=False)
        os.replace(built, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load():
    """The compiled module, building it on first use; None (with a reason) if it cannot
    be built here."""
    global _module, _why_not
    if _module is not None or _why_not:
        return _module
    if os.environ.get("FEXLITE_NO_FASTPATH"):
        _why_not = "disabled by FEXLITE_NO_FASTPATH"
        return None
    name, where = _module_name(), _cache_dir()
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    path = os.path.join(where, name + suffix)
    try:
        if not os.path.exists(path):
            _build(name, where, path)
        loader = importlib.machinery.ExtensionFileLoader(name, path)
        spec = importlib.util.spec_from_file_location(name, path, loader=loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        _module = mod
    except Exception as exc:          # no compiler, no headers: the Python path serves
        _why_not = f"compiled fast path unavailable ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        return None
    return _module


def why_not() -> str:
    return _why_not


# --- which calls the fast path may take, from the route's own data --------------------
_NOT_PLAIN_KINDS = ("struct_in", "struct_out", "struct_inout", "array_in")
_REMAPPED_FLAGS = ("open", "ioctl_req")


def _plain_leg(name: str, dst: str) -> tuple[int, int] | None:
    """(target nr, sign-extension mask) when i386 NAME reaches DST by renumbering alone:
    same or renumbered disposition, no named translation handler, no struct or
    remapped flag argument, no 64-bit pair, the same argument layout."""
    from . import abi, translate
    d = _dispositions(dst).get(name)
    if d is None or d.kind not in ("same", "renumbered") or not d.target_nrs:
        return None
    if any((scope, name) in translate.HANDLERS for scope in translate._scopes(dst)):
        return None
    slots = translate.canonical(name)
    if slots is None or translate.layout_items("i386", name) != translate.layout_items(dst, name):
        return None
    for s in slots:
        if s.wide or s.lohi or s.kind in _NOT_PLAIN_KINDS or (
                s.kind == "flags" and s.detail in _REMAPPED_FLAGS):
            return None
    word = abi.ABI_INFO[dst].word
    sext = sum(1 << i for i, s in enumerate(slots) if word == 8 and s.kind in translate.SIGNED_KINDS)
    return d.target_nrs[0], sext


_DISP = {}


def _dispositions(dst: str) -> dict:
    if dst not in _DISP:
        from . import abi
        _DISP[dst] = {d.name: d for d in abi.disposition_map("i386", dst)}
    return _DISP[dst]


def fast_spec(route, nr: int, name: str) -> tuple[int, int, int] | None:
    """(gate, target nr, sign-extension mask) for a call the C hook may issue itself."""
    from .backends import host_abi
    backend = getattr(getattr(route, "backend", None), "name", "")
    if route.name == "passthrough":
        return GATE_INT80, nr, 0
    host = host_abi()
    if host is None:
        return None
    if route.name == "native" and backend == "host-native":
        leg = _plain_leg(name, host)
        return (GATE_SYSCALL64, *leg) if leg else None
    if route.name == "compat" and backend == "emulated":
        # i386 -> arm32 by renumbering, then the emulated arm32 kernel -> host the same way
        if _plain_leg(name, "arm32") is None:
            return None
        leg = _plain_leg(name, host)
        return (GATE_SYSCALL64, *leg) if leg else None
    return None
