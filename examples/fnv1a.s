# FNV-1a, the 64-bit hash, over the input memory.
# Calling convention of raw programs: r1 = pointer to the memory, r2 = its length; the result is r0.
#   npx tsbpf run examples/fnv1a.s --mem-file examples/packet.bin
        r0 = 0xcbf29ce484222325 ll      # offset basis
        r3 = 0x100000001b3 ll           # FNV prime
        r2 += r1                        # r2 = end of memory
loop:
        if r1 >= r2 goto done
        r4 = *(u8 *)(r1 + 0)
        r0 ^= r4
        r0 *= r3
        r1 += 1
        goto loop
done:
        exit
