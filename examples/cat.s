# cat.s - copy standard input to standard output with read(2)/write(2) through a
# 4 KiB buffer in .bss until end of file; exit status 0 (1 on a read error).
start:
    mov eax, 3              # read
    xor ebx, ebx
    mov ecx, 0x08100000
    mov edx, 4096
    int 0x80
    test eax, eax
    js failed
    jz finished
    mov edx, eax
    mov eax, 4              # write
    mov ebx, 1
    mov ecx, 0x08100000
    int 0x80
    jmp start
finished:
    mov eax, 252
    xor ebx, ebx
    int 0x80
failed:
    mov eax, 252
    mov ebx, 1
    int 0x80
