# hello.s - write a greeting with write(2) and leave with exit_group(0).
# Built by `fexlite demo` with keystone (Intel syntax); text loads at 0x08049000.
start:
    mov eax, 4              # write
    mov ebx, 1              # stdout
    lea ecx, [msg]
    mov edx, msg_end - msg
    int 0x80
    mov eax, 252            # exit_group
    xor ebx, ebx
    int 0x80
msg:
    .ascii "Hello from i386, under fexlite!\n"
msg_end:
