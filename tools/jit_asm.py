#!/usr/bin/env python3
"""Disassemble what HotSpot's C2 compiled for one method, without an hsdis plugin.

HotSpot prints the machine code of a compiled method as hex when asked
(-XX:CompileCommand=print,<class>::<method>) and no disassembler plugin is installed (Debian's libhsdis0-fcml
has the pre-JDK 9 interface, which JDK 25 does not load). This script takes that log, keeps the last C2
compilation of the method that is not an on-stack-replacement one (the code that runs once the JIT has settled),
and runs binutils' objdump over its bytes. Example, the GEMM micro-kernel:

    JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
    $JAVA -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=quiet \\
          -XX:CompileCommand=dontinline,gradwerk.tensor.cpu.GemmF32::kernel4 \\
          -XX:CompileCommand=print,gradwerk.tensor.cpu.GemmF32::kernel4 \\
          --add-modules jdk.incubator.vector -cp tensor/target/classes \\
          gradwerk.tensor.cpu.GemmBench --n 1024 --threads 1 > kernel.log 2>&1
    python3 tools/jit_asm.py kernel.log | less     # the loop is the block of vfmadd231ps ending in a backward jl

(kernel4 is the AVX2 kernel; on a CPU with AVX-512 name GemmF32::kernel12, or add -Dgradwerk.simd.bits=256.)

Needs objdump (apt-get install binutils). Prints Intel syntax; --att for AT&T.
"""
import re
import subprocess
import sys


def last_c2_method(lines):
    heads = [i for i, l in enumerate(lines) if l.startswith("Compiled method (c2)") and " % " not in l]
    if not heads:
        sys.exit("jit_asm: no C2 compilation in the log (was the method hot enough, and named in "
                 "-XX:CompileCommand=print,<class>::<method>?)")
    start = heads[-1]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("Compiled method")), len(lines))
    return lines[start], lines[start:end]


def code_bytes(block):
    """The [MachCode] hex lines ('0x...: 8984 2400 | c0fe ff55 | ...') as one byte string and its start address."""
    code, first = bytearray(), None
    for line in block:
        m = re.match(r"\s*0x([0-9a-f]+): ((?:[0-9a-f]{4}\s*\|?\s*)+)$", line)
        if not m:
            continue
        addr = int(m.group(1), 16)
        if first is None:
            first = addr
        if addr - first < len(code):      # an annotation line repeating an address already read
            continue
        if addr - first > len(code):
            sys.exit(f"jit_asm: gap in the code at {addr:#x}; is this a [MachCode] dump?")
        code += bytes.fromhex(re.sub(r"[^0-9a-f]", "", m.group(2)))
    if first is None:
        sys.exit("jit_asm: no machine code in the last C2 compilation (is an hsdis plugin installed? then the log "
                 "is already disassembled)")
    return first, bytes(code)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    with open(args[0], errors="replace") as f:
        lines = f.read().split("\n")
    header, block = last_c2_method(lines)
    first, code = code_bytes(block)
    path = "/tmp/jit_asm.bin"
    with open(path, "wb") as out:
        out.write(code)
    syntax = [] if "--att" in sys.argv else ["-M", "intel"]
    result = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", *syntax,
                             f"--adjust-vma={first:#x}", path], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("jit_asm: objdump failed: " + result.stderr.strip())
    print(header)
    body = result.stdout.split("<.data>:", 1)[-1]
    print(body)


if __name__ == "__main__":
    main()
