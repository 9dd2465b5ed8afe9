# primes.s - count the primes below 20000 by trial division (pure guest compute),
# print the count in decimal; exit status 0.
start:
    xor edi, edi            # count
    mov esi, 2              # candidate
candidate:
    cmp esi, 20000
    jae report
    mov ecx, 2
trial:
    mov eax, ecx
    mul ecx
    cmp eax, esi
    ja is_prime
    mov eax, esi
    xor edx, edx
    div ecx
    test edx, edx
    jz not_prime
    inc ecx
    jmp trial
is_prime:
    inc edi
not_prime:
    inc esi
    jmp candidate
report:
    mov eax, edi
    mov ecx, 0x08100000 + 32
    mov ebx, 10
digits:
    xor edx, edx
    div ebx
    add dl, 0x30
    dec ecx
    mov [ecx], dl
    test eax, eax
    jnz digits
    mov byte ptr [0x08100000 + 32], 10
    mov edx, 0x08100000 + 33
    sub edx, ecx
    mov eax, 4
    mov ebx, 1
    int 0x80
    mov eax, 252
    xor ebx, ebx
    int 0x80
