# args.s - print argc in decimal, then every argv string on its own line, from the
# initial stack the loader built; exits with argc as the status.
start:
    mov esi, esp
    mov eax, [esi]          # argc
    mov ebp, eax
    call print_dec
    lea edi, [esi + 4]      # argv[0]
next_arg:
    mov ecx, [edi]
    test ecx, ecx
    jz done
    call print_str
    add edi, 4
    jmp next_arg
done:
    mov eax, 252
    mov ebx, ebp
    int 0x80

# print_str: ecx = NUL-terminated string; writes it and a newline
print_str:
    mov edx, ecx
strlen:
    cmp byte ptr [edx], 0
    je strlen_done
    inc edx
    jmp strlen
strlen_done:
    sub edx, ecx
    mov eax, 4
    mov ebx, 1
    int 0x80
    call newline
    ret

# print_dec: eax = unsigned value; writes it in decimal and a newline
print_dec:
    mov ecx, 0x08100000 + 64     # end of a scratch buffer in .bss
    mov ebx, 10
dec_loop:
    xor edx, edx
    div ebx
    add dl, 0x30
    dec ecx
    mov [ecx], dl
    test eax, eax
    jnz dec_loop
    mov edx, 0x08100000 + 64
    sub edx, ecx
    mov eax, 4
    mov ebx, 1
    int 0x80
    call newline
    ret

newline:
    mov eax, 4
    mov ebx, 1
    lea ecx, [nl]
    mov edx, 1
    int 0x80
    ret
nl:
    .byte 10
