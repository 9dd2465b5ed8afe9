"""Every C declaration fexlite calls through cffi's ABI mode (libunicorn and libc),
in one FFI.

Parsing declarations and type names with pycparser costs tens of milliseconds at each
start, so the FFI is generated once as an out-of-line ABI-mode module (pure Python, no
compiler needed) in the user's cache folder; if that cannot be written, it is built
in-line as before.
"""
import contextlib
import hashlib
import io
import importlib.util
import os
import sys

UNICORN = """
typedef struct uc_struct uc_engine;
typedef size_t uc_hook;
typedef struct { uint16_t selector; uint64_t base; uint32_t limit; uint32_t flags; } uc_x86_mmr;
int uc_open(int arch, int mode, uc_engine **uc);
int uc_close(uc_engine *uc);
const char *uc_strerror(int code);
int uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count);
int uc_emu_stop(uc_engine *uc);
int uc_reg_read(uc_engine *uc, int regid, void *value);
int uc_reg_write(uc_engine *uc, int regid, const void *value);
int uc_reg_read_batch(uc_engine *uc, int *regs, void **vals, int count);
int uc_reg_write_batch(uc_engine *uc, int *regs, void *const *vals, int count);
int uc_mem_map_ptr(uc_engine *uc, uint64_t address, size_t size, uint32_t perms, void *ptr);
int uc_mem_unmap(uc_engine *uc, uint64_t address, size_t size);
int uc_mem_protect(uc_engine *uc, uint64_t address, size_t size, uint32_t perms);
int uc_hook_add(uc_engine *uc, uc_hook *hh, int type, void *callback, void *user_data,
                uint64_t begin, uint64_t end, ...);
int uc_hook_del(uc_engine *uc, uc_hook hh);
int uc_ctl(uc_engine *uc, int control, ...);
"""

LIBC = """
void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset);
int munmap(void *addr, size_t length);
int mprotect(void *addr, size_t len, int prot);
void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...);
long syscall(long number, ...);
int *__errno_location(void);

struct host_sigaction { void *handler; unsigned long mask[16]; int flags; void *restorer; };
int sigaction(int sig, const struct host_sigaction *act, struct host_sigaction *old);
"""

CDEF = UNICORN + LIBC


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fexlite")


def _generated_ffi():
    name = "_fexlite_cdefs_" + hashlib.sha256((CDEF + sys.version).encode()).hexdigest()[:12]
    path = os.path.join(_cache_dir(), name + ".py")
    if not os.path.exists(path):
        import cffi
        builder = cffi.FFI()
        builder.cdef(CDEF)
        builder.set_source(name, None)
        os.makedirs(_cache_dir(), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with contextlib.redirect_stdout(io.StringIO()):      # cffi says "generating ..."
            builder.emit_python_code(tmp)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ffi


def _make_ffi():
    try:
        return _generated_ffi()
    except Exception:          # read-only home, odd cffi: parse at every start instead
        import cffi
        ffi = cffi.FFI()
        ffi.cdef(CDEF)
        return ffi


ffi = _make_ffi()
