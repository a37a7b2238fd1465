#!/usr/bin/env python3
"""MADV_DONTNEED over 256 MiB in 4 KiB units: C against the .NET bindings and the advice batcher.

Builds bench/native/dontneed.c with gcc twice (a program, and a shared library of the same
loops) and the bench project with dotnet. Then, for several rounds, runs the C program and the
.NET twin (`Madvise.Bench host-loop`, bench/Madvise.Bench/Host/DontNeedLoop.cs) one after the
other. The .NET process runs every mode twice in turn: through the .NET bindings and through
the C loops loaded into the same process (modes `c:...`), so those two see the same threads,
address space and moment of the machine; their per-run ratio is the bindings' cost. The
stand-alone C program adds the process-level view (a one-thread C process against .NET).

Reported (goals from the issue):
  bindings  .NET / C for the madvise() loop and process_madvise() at each vlen     <= 1.02
            fixed cost per call (.NET - C, on a buffer with nothing to free)
  batcher   every other page: batcher / raw process_madvise at vlen 1024           <= 1.05
            adjacent pages:   batcher / one madvise() over the whole 256 MiB       <= 1.20

Ratios are medians of per-run ratios (the two passes of a pair run in the same process and
run); medians and minima of the times are printed too. The batcher gets a run of its own in
which each pair runs back to back (--pairs times), since its cost is about 1 % and a single
pass on a busy machine varies by tens of percent.

The fixed cost per call is measured more precisely (BenchmarkDotNet, same C loops in process) by
  dotnet run -c Release --project bench/Madvise.Bench -- --filter '*BindingOverhead*' --launchCount 3

Usage: python3 bench/native/compare.py [--rounds N] [--runs K] [--no-build] [--quick]
Paths are relative to this file; the C builds go to a temporary directory.
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH = os.path.join(ROOT, "bench", "Madvise.Bench")
BENCH_DLL = os.path.join(BENCH, "bin", "Release", "net10.0", "Madvise.Bench.dll")
VLENS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
COMMON = ["madvise", "whole"] + [f"pm:{v}" for v in VLENS] + ["pm-alt:1024"]
EMPTY = {"empty-madvise": 65536, "empty-pm:1": 65536, "empty-pm:1024": 64}
BATCHER = ["batcher-adj", "batcher-alt"]
BATCHER_PAIRS = ["pm-alt:1024", "batcher-alt", "whole", "batcher-adj"]


def in_c(mode):
    """The in-process C twin of a mode: pm:8 -> c:pm:8, empty-madvise -> empty-c:madvise."""
    return "empty-c:" + mode[len("empty-"):] if mode.startswith("empty-") else "c:" + mode


def run(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    samples = {}
    for line in out.splitlines():
        mode, ns = line.split()
        samples.setdefault(mode, []).append(int(ns))
    return samples


class Side:
    """Samples of one kind of process: per mode, and per invocation for pairing."""

    def __init__(self):
        self.samples = {}
        self.invocations = []

    def add(self, samples):
        self.invocations.append(samples)
        for mode, values in samples.items():
            self.samples.setdefault(mode, []).extend(values)

    def median(self, mode):
        return statistics.median(self.samples[mode])

    def min(self, mode):
        return min(self.samples[mode])

    def paired(self, a, b, f):
        """f(a_k, b_k) for the k-th passes of modes a and b of each invocation."""
        return [f(x, y) for inv in self.invocations for x, y in zip(inv[a], inv[b])]


def header():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
    gcc = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    print(f"kernel {platform.release()}, {os.cpu_count()} CPUs ({cpu}), .NET SDK {dotnet}, gcc {gcc} -O2")
    print(f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def ms(ns):
    return f"{ns / 1e6:8.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="alternations of the C and .NET processes (default 6)")
    parser.add_argument("--runs", type=int, default=3, help="passes per mode per process (default 3)")
    parser.add_argument("--pairs", type=int, default=40, help="passes of the batcher's dedicated back-to-back run (default 40)")
    parser.add_argument("--no-build", action="store_true", help="use the existing bench build")
    parser.add_argument("--quick", action="store_true", help="1 round of 1 pass: a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.runs, args.pairs = 1, 1, 2

    c, net, pairs = Side(), Side(), Side()
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(HERE, "dontneed.c")
        program = os.path.join(tmp, "dontneed")
        library = os.path.join(tmp, "libdontneed.so")
        subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-o", program, source], check=True)
        subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-shared", "-fPIC", "-DDONTNEED_LIBRARY", "-o", library, source], check=True)
        if not args.no_build:
            subprocess.run(["dotnet", "build", BENCH, "-c", "Release", "--nologo", "-v", "q"], check=True, stdout=subprocess.DEVNULL)

        header()
        env = dict(os.environ, MADV_DONTNEED_LIB=library)
        net_modes = [m for mode in COMMON + list(EMPTY) for m in (mode, in_c(mode))] + BATCHER
        for r in range(args.rounds):
            # Alternate who goes first, so neither side always follows the other.
            sides = ["c", "net"] if r % 2 == 0 else ["net", "c"]
            for side in sides:
                if side == "c":
                    c.add(run([program, str(args.runs)] + COMMON + list(EMPTY)))
                else:
                    net.add(run(["dotnet", BENCH_DLL, "host-loop", str(args.runs)] + net_modes, env))
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

        # The batcher against the raw calls it stands for, each pair back to back, many times:
        # the difference is about 1 %, far below the spread of single passes on a busy machine.
        pairs.add(run(["dotnet", BENCH_DLL, "host-loop", str(args.pairs)] + BATCHER_PAIRS, env))

    ratio = lambda x, y: x / y
    print(f"{len(net.samples['madvise'])} passes per mode and side; times in ms")
    print()
    print("bindings, in one .NET process: .NET bindings against the same loop in C (c:)")
    print("mode            C med   C min  .NET med .NET min   ratio   (goal <= 1.02)")
    for mode in COMMON + list(EMPTY):
        twin = in_c(mode)
        paired = statistics.median(net.paired(mode, twin, ratio))
        print(f"{mode:14} {ms(net.median(twin))} {ms(net.min(twin))} {ms(net.median(mode))} {ms(net.min(mode))}   {paired:6.3f}")
    every = [x for mode in COMMON for x in net.paired(mode, in_c(mode), ratio)]
    print(f"{'all populated':14} {'':35}   {statistics.median(every):6.3f}  (median of {len(every)} paired ratios)")

    print()
    print("bindings: fixed cost per call (.NET - C in one process, nothing to free), and as a share of the populated pass")
    for mode, calls in EMPTY.items():
        full = mode[len("empty-"):]
        extra = statistics.median(net.paired(mode, in_c(mode), lambda x, y: (x - y) / calls))
        share = extra * calls / net.median(in_c(full))
        print(f"{mode:14} {extra:9.1f} ns/call   {share * 100:6.2f} % of C {full}")

    print()
    print("process level: stand-alone C program (one thread) against the .NET process")
    print("mode           Cprog med Cprog min .NET med .NET min  ratio(med) ratio(min)")
    for mode in COMMON + list(EMPTY):
        print(f"{mode:14} {ms(c.median(mode))} {ms(c.min(mode))} {ms(net.median(mode))} {ms(net.min(mode))}"
              f"  {net.median(mode) / c.median(mode):9.3f}  {net.min(mode) / c.min(mode):9.3f}")

    print()
    print(f"batcher: {len(pairs.samples['whole'])} back-to-back pairs in one .NET process; paired ratio median and quartiles")
    for mode in BATCHER_PAIRS:
        print(f"{mode:14} med {ms(pairs.median(mode))}  min {ms(pairs.min(mode))}")
    for name, a, b, goal in [
        ("batcher-alt / pm-alt:1024", "batcher-alt", "pm-alt:1024", 1.05),
        ("batcher-adj / whole", "batcher-adj", "whole", 1.20),
    ]:
        r = pairs.paired(a, b, ratio)
        q = statistics.quantiles(r, n=4) if len(r) > 1 else [r[0]] * 3
        print(f"{name:26} {statistics.median(r):6.3f}  (quartiles {q[0]:.3f} {q[2]:.3f})   goal <= {goal}")
    print("same, against the in-process C loops and across the main rounds:")
    for name, a, b in [
        ("batcher-alt / c:pm-alt:1024", "batcher-alt", "c:pm-alt:1024"),
        ("batcher-adj / c:whole", "batcher-adj", "c:whole"),
    ]:
        print(f"{name:26} {statistics.median(net.paired(a, b, ratio)):6.3f}")

    print()
    print("the series' table on this host, median ns (sz_batches 0 = the madvise() loop)")
    print("sz_batches C-in-process .NET")
    print(f"0 {net.median('c:madvise'):.0f} {net.median('madvise'):.0f}")
    for v in VLENS:
        print(f"{v} {net.median(f'c:pm:{v}'):.0f} {net.median(f'pm:{v}'):.0f}")


if __name__ == "__main__":
    main()
