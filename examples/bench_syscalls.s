# bench_syscalls.s - `fexlite bench` per-syscall loop: KIND N [FILE]; N iterations of one call.
# KIND: 0 getpid, 1 read 1 byte of /dev/zero, 2 write 1 byte to /dev/null,
#       3 stat64 FILE, 4 fstat64 of FILE, 5 fcntl64 F_SETLK64 on FILE,
#       6 epoll_wait with one event ready (pipe write end), 7 clock_gettime,
#       8 send + recv of 1 byte over a socketpair, all through socketcall,
#       9 pread64 1 byte of FILE at offset 0 (64-bit offset in a register pair).
# Calls go through AT_SYSINFO (the vDSO's __kernel_vsyscall, as glibc does) when the
# auxiliary vector has it, else int 0x80.
# Set-up (open, socketpair, epoll_ctl) happens once, so with the same KIND it costs the
# same for every N: (time(N2) - time(N1)) / (N2 - N1) is the cost of one iteration.
# Exit status 0; 1 when a call fails; 2 on bad arguments (without arguments: usage).
# Scratch in .bss at 0x08100000: 0x000 buffer, 0x100 epoll events, 0x200 flock64,
# 0x240 timespec, 0x260 socket pair, 0x270 pipe, 0x280 epoll_event, 0x2a0/0x2c0
# socketcall argument arrays, 0x300 fd, 0x310 syscall entry.
start:
    mov esi, esp                 # find AT_SYSINFO (32) in the auxiliary vector
    mov eax, [esi]
    lea edx, [esi + eax * 4 + 8] # envp
skip_env:
    cmp dword ptr [edx], 0
    je env_done
    add edx, 4
    jmp skip_env
env_done:
    add edx, 4                   # auxv
    lea eax, [int80]
    mov [0x08100310], eax
aux_next:
    mov ecx, [edx]
    test ecx, ecx
    jz aux_done
    cmp ecx, 32
    jne aux_skip
    mov ecx, [edx + 4]
    mov [0x08100310], ecx
aux_skip:
    add edx, 8
    jmp aux_next
aux_done:
    cmp dword ptr [esi], 3
    jb usage
    mov ecx, [esi + 12]          # argv[2]: N
    call parse_dec
    mov ebp, eax
    mov eax, [esi]
    mov edi, 0                   # FILE (NULL when not given)
    cmp eax, 4
    jb no_file
    mov edi, [esi + 16]
no_file:
    mov edx, [esi + 8]           # argv[1]: KIND
    movzx eax, byte ptr [edx]
    cmp byte ptr [edx + 1], 0
    jne usage
    cmp eax, 0x30
    je k_getpid
    cmp eax, 0x31
    je k_read
    cmp eax, 0x32
    je k_write
    cmp eax, 0x33
    je k_stat64
    cmp eax, 0x34
    je k_fstat64
    cmp eax, 0x35
    je k_fcntl
    cmp eax, 0x36
    je k_epoll
    cmp eax, 0x37
    je k_clock
    cmp eax, 0x38
    je k_socket
    cmp eax, 0x39
    je k_pread
    jmp usage

# ---------------------------------------------------------------- 0 getpid
k_getpid:
    test ebp, ebp
    jz done
    mov eax, 20
    call dword ptr [0x08100310]
    dec ebp
    jmp k_getpid

# ---------------------------------------------------------------- 1 read /dev/zero
k_read:
    mov eax, 5                   # open("/dev/zero", O_RDONLY)
    lea ebx, [devzero]
    xor ecx, ecx
    call dword ptr [0x08100310]
    cmp eax, 0xfffff001
    jae failed
    mov [0x08100300], eax
read_loop:
    test ebp, ebp
    jz done
    mov eax, 3
    mov ebx, [0x08100300]
    mov ecx, 0x08100000
    mov edx, 1
    call dword ptr [0x08100310]
    cmp eax, 1
    jne failed
    dec ebp
    jmp read_loop

# ---------------------------------------------------------------- 2 write /dev/null
k_write:
    mov eax, 5                   # open("/dev/null", O_WRONLY)
    lea ebx, [devnull]
    mov ecx, 1
    call dword ptr [0x08100310]
    cmp eax, 0xfffff001
    jae failed
    mov [0x08100300], eax
write_loop:
    test ebp, ebp
    jz done
    mov eax, 4
    mov ebx, [0x08100300]
    mov ecx, 0x08100000
    mov edx, 1
    call dword ptr [0x08100310]
    cmp eax, 1
    jne failed
    dec ebp
    jmp write_loop

# ---------------------------------------------------------------- 3 stat64 FILE
k_stat64:
    test edi, edi
    jz usage
stat_loop:
    test ebp, ebp
    jz done
    mov eax, 195
    mov ebx, edi
    mov ecx, 0x08100000
    call dword ptr [0x08100310]
    test eax, eax
    jnz failed
    dec ebp
    jmp stat_loop

# ---------------------------------------------------------------- 4 fstat64 of FILE
k_fstat64:
    call open_file_ro
fstat_loop:
    test ebp, ebp
    jz done
    mov eax, 197
    mov ebx, [0x08100300]
    mov ecx, 0x08100000
    call dword ptr [0x08100310]
    test eax, eax
    jnz failed
    dec ebp
    jmp fstat_loop

# ---------------------------------------------------------------- 5 fcntl64 F_SETLK64
k_fcntl:
    test edi, edi
    jz usage
    mov eax, 5                   # open(FILE, O_RDWR)
    mov ebx, edi
    mov ecx, 2
    call dword ptr [0x08100310]
    cmp eax, 0xfffff001
    jae failed
    mov [0x08100300], eax
    mov word ptr [0x08100200], 1         # l_type = F_WRLCK
    mov word ptr [0x08100202], 0         # l_whence = SEEK_SET
    mov dword ptr [0x08100204], 0        # l_start (64-bit)
    mov dword ptr [0x08100208], 0
    mov dword ptr [0x0810020c], 1        # l_len (64-bit)
    mov dword ptr [0x08100210], 0
    mov dword ptr [0x08100214], 0        # l_pid
fcntl_loop:
    test ebp, ebp
    jz done
    mov eax, 221
    mov ebx, [0x08100300]
    mov ecx, 13                  # F_SETLK64
    mov edx, 0x08100200
    call dword ptr [0x08100310]
    test eax, eax
    jnz failed
    dec ebp
    jmp fcntl_loop

# ---------------------------------------------------------------- 6 epoll_wait, one ready
k_epoll:
    mov eax, 42                  # pipe(fds)
    mov ebx, 0x08100270
    call dword ptr [0x08100310]
    test eax, eax
    jnz failed
    mov eax, 254                 # epoll_create(1)
    mov ebx, 1
    call dword ptr [0x08100310]
    cmp eax, 0xfffff001
    jae failed
    mov [0x08100300], eax
    mov dword ptr [0x08100280], 4        # events = EPOLLOUT
    mov dword ptr [0x08100284], 0x11223344
    mov dword ptr [0x08100288], 0x55667788
    mov eax, 255                 # epoll_ctl(epfd, EPOLL_CTL_ADD, write end, &ev)
    mov ebx, [0x08100300]
    mov ecx, 1
    mov edx, [0x08100274]
    mov esi, 0x08100280
    call dword ptr [0x08100310]
    test eax, eax
    jnz failed
epoll_loop:
    test ebp, ebp
    jz done
    mov eax, 256                 # epoll_wait(epfd, events, 4, 0)
    mov ebx, [0x08100300]
    mov ecx, 0x08100100
    mov edx, 4
    xor esi, esi
    call dword ptr [0x08100310]
    cmp eax, 1
    jne failed
    dec ebp
    jmp epoll_loop

# ---------------------------------------------------------------- 7 clock_gettime
k_clock:
    test ebp, ebp
    jz done
    mov eax, 265                 # clock_gettime(CLOCK_MONOTONIC, &ts)
    mov ebx, 1
    mov ecx, 0x08100240
    call dword ptr [0x08100310]
    test eax, eax
    jnz failed
    dec ebp
    jmp k_clock

# ---------------------------------------------------------------- 8 socketcall send + recv
k_socket:
    mov dword ptr [0x081002a0], 1        # AF_UNIX
    mov dword ptr [0x081002a4], 1        # SOCK_STREAM
    mov dword ptr [0x081002a8], 0
    mov dword ptr [0x081002ac], 0x08100260
    mov eax, 102                 # socketcall(SYS_SOCKETPAIR, args)
    mov ebx, 8
    mov ecx, 0x081002a0
    call dword ptr [0x08100310]
    test eax, eax
    jnz failed
    mov eax, [0x08100260]        # send(sv[0], buf, 1, 0)
    mov [0x081002a0], eax
    mov dword ptr [0x081002a4], 0x08100000
    mov dword ptr [0x081002a8], 1
    mov dword ptr [0x081002ac], 0
    mov eax, [0x08100264]        # recv(sv[1], buf, 1, 0)
    mov [0x081002c0], eax
    mov dword ptr [0x081002c4], 0x08100000
    mov dword ptr [0x081002c8], 1
    mov dword ptr [0x081002cc], 0
socket_loop:
    test ebp, ebp
    jz done
    mov eax, 102
    mov ebx, 9                   # SYS_SEND
    mov ecx, 0x081002a0
    call dword ptr [0x08100310]
    cmp eax, 1
    jne failed
    mov eax, 102
    mov ebx, 10                  # SYS_RECV
    mov ecx, 0x081002c0
    call dword ptr [0x08100310]
    cmp eax, 1
    jne failed
    dec ebp
    jmp socket_loop

# ---------------------------------------------------------------- 9 pread64
k_pread:
    call open_file_ro
pread_loop:
    test ebp, ebp
    jz done
    mov eax, 180                 # pread64(fd, buf, 1, offset lo 0, offset hi 0)
    mov ebx, [0x08100300]
    mov ecx, 0x08100000
    mov edx, 1
    xor esi, esi
    xor edi, edi
    call dword ptr [0x08100310]
    cmp eax, 1
    jne failed
    dec ebp
    jmp pread_loop

# ---------------------------------------------------------------- helpers
open_file_ro:                    # open(FILE, O_RDONLY) -> [0x08100300]
    test edi, edi
    jz usage
    mov eax, 5
    mov ebx, edi
    xor ecx, ecx
    call dword ptr [0x08100310]
    cmp eax, 0xfffff001
    jae failed
    mov [0x08100300], eax
    ret

parse_dec:                       # ecx: decimal string -> eax (bad digit: usage)
    xor eax, eax
parse_next:
    movzx edx, byte ptr [ecx]
    test edx, edx
    jz parse_done
    sub edx, 0x30
    cmp edx, 9
    ja usage
    imul eax, eax, 10
    add eax, edx
    inc ecx
    jmp parse_next
parse_done:
    ret

int80:                           # the entry when there is no AT_SYSINFO
    int 0x80
    ret

done:
    mov eax, 252
    xor ebx, ebx
    int 0x80
failed:
    mov eax, 252
    mov ebx, 1
    int 0x80
usage:
    mov eax, 4
    mov ebx, 2
    lea ecx, [usage_text]
    mov edx, 36
    int 0x80
    mov eax, 252
    mov ebx, 2
    int 0x80

devzero:
    .byte 0x2f, 0x64, 0x65, 0x76, 0x2f, 0x7a, 0x65, 0x72, 0x6f, 0
devnull:
    .byte 0x2f, 0x64, 0x65, 0x76, 0x2f, 0x6e, 0x75, 0x6c, 0x6c, 0
usage_text:
    .ascii "usage: bench_syscalls KIND N [FILE]"
    .byte 10
