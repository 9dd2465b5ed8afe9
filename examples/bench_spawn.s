# bench_spawn.s - `fexlite bench` launcher, run natively: FD PROG ARGS...; forks, execs PROG, waits.
# Writes 92 bytes to FD: CLOCK_MONOTONIC timespec before fork and after wait4 (2 x 8),
# the wait status (4) and the child's i386 struct rusage (72; ru_maxrss at 16).
# Why: a child forked from a big process (Python) inherits its peak RSS through exec,
# so os.wait4 in Python over-reports ru_maxrss; forked from this tiny program it does not.
# Exit status 0; 127 in the child when exec fails; 2 on bad arguments.
# .bss at 0x08100000: 0x00 t0, 0x08 t1, 0x10 status, 0x14 rusage.
start:
    mov esi, esp
    cmp dword ptr [esi], 3
    jb usage
    mov ecx, [esi + 8]           # argv[1]: FD
    xor eax, eax
parse_next:
    movzx edx, byte ptr [ecx]
    test edx, edx
    jz parsed
    sub edx, 0x30
    cmp edx, 9
    ja usage
    imul eax, eax, 10
    add eax, edx
    inc ecx
    jmp parse_next
parsed:
    mov edi, eax                 # FD
    mov eax, 265                 # clock_gettime(CLOCK_MONOTONIC, t0)
    mov ebx, 1
    mov ecx, 0x08100000
    int 0x80
    mov eax, 2                   # fork
    int 0x80
    test eax, eax
    jz child
    js usage
    mov ebp, eax
    mov eax, 114                 # wait4(pid, &status, 0, &rusage)
    mov ebx, ebp
    mov ecx, 0x08100010
    xor edx, edx
    mov esi, 0x08100014
    int 0x80
    mov eax, 265                 # clock_gettime(CLOCK_MONOTONIC, t1)
    mov ebx, 1
    mov ecx, 0x08100008
    int 0x80
    mov eax, 4                   # write(FD, record, 92)
    mov ebx, edi
    mov ecx, 0x08100000
    mov edx, 92
    int 0x80
    mov eax, 252
    xor ebx, ebx
    int 0x80
child:
    mov eax, [esi]               # envp = &argv[argc + 1]
    lea edx, [esi + eax * 4 + 8]
    lea ecx, [esi + 12]          # argv for PROG: &argv[2]
    mov ebx, [esi + 12]
    mov eax, 11                  # execve(PROG, argv + 2, envp)
    int 0x80
    mov eax, 252
    mov ebx, 127
    int 0x80
usage:
    mov eax, 252
    mov ebx, 2
    int 0x80
