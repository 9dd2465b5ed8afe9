# uname.s - call uname(2) (new_utsname, six fields of 65 bytes) into .bss and print
# the sysname and machine fields, each on its own line.
start:
    mov eax, 122            # uname
    mov ebx, 0x08100000
    int 0x80
    mov ecx, 0x08100000              # sysname
    call print_line
    mov ecx, 0x08100000 + 4 * 65     # machine
    call print_line
    mov eax, 252
    xor ebx, ebx
    int 0x80

print_line:
    mov edx, ecx
find_nul:
    cmp byte ptr [edx], 0
    je found
    inc edx
    jmp find_nul
found:
    mov byte ptr [edx], 10
    inc edx
    sub edx, ecx
    mov eax, 4
    mov ebx, 1
    int 0x80
    ret
