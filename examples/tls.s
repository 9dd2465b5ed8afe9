# tls.s - allocate a TLS descriptor with set_thread_area(entry_number = -1), load it
# into %gs, store and load through gs:0, and print "TLS ok" when the value comes back.
start:
    mov edi, 0x08100000             # struct user_desc in .bss
    mov dword ptr [edi], 0xffffffff  # entry_number: let the kernel choose
    mov dword ptr [edi + 4], 0x08100100   # base_addr
    mov dword ptr [edi + 8], 0xfffff      # limit
    mov dword ptr [edi + 12], 0x51        # seg_32bit | limit_in_pages | useable
    mov eax, 243                    # set_thread_area
    mov ebx, edi
    int 0x80
    test eax, eax
    jnz bad
    mov eax, [edi]                  # chosen entry
    shl eax, 3
    or eax, 3
    mov gs, ax
    mov dword ptr gs:[0], 0x600dcafe
    cmp dword ptr [0x08100100], 0x600dcafe
    jne bad
    mov eax, 4
    mov ebx, 1
    lea ecx, [ok]
    mov edx, 7
    int 0x80
    mov eax, 252
    xor ebx, ebx
    int 0x80
bad:
    mov eax, 252
    mov ebx, 1
    int 0x80
ok:
    .ascii "TLS ok\n"
