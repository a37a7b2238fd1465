using System.Globalization;
using CsCheck;
using Madvise.Kernel;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Host.Tests.Differential;

/// <summary>
/// CsCheck generators of <see cref="RandomScenario"/>: mmap, munmap, mprotect, mlock, munlock,
/// write, read, mincore, vmas, madvise and process_madvise with valid and invalid arguments
/// (unaligned addresses and lengths, zero and wrapping lengths, holes, bad behaviours, bad
/// pidfds and flags, bad iovecs, locked, shared, file and memfd mappings, PROT_NONE, guards),
/// in self and, in some sequences, in a second task B; fork and smaps steps are in
/// <c>RandomScenarioGen.Fork.cs</c>.
/// </summary>
/// <remarks>
/// <para>Host safety and placement independence: every range a step acts on lies in the interior
/// of its task's reservation (pages [<see cref="RandomScenario.FirstPage"/>,
/// <see cref="RandomScenario.EndPage"/>)), or the kernel rejects the call before it touches
/// memory (an unaligned start where alignment is checked, a wrapping or negative length), or it
/// lies above the user address limit (<c>0x800000000000</c>, non-canonical) or in the first
/// pages (<c>0</c>, never for mmap: root may map page 0). A length never reaches past the
/// reservation into unmapped space: the simulated R sits just under TASK_SIZE and the host's in
/// an arena far below it, so such a call could legitimately differ.</para>
/// <para>Left out because the results are not comparable (timing, or a choice the host makes):
/// WILLNEED in sequences with the regular file <c>f</c> (after
/// PAGEOUT drops its page, WILLNEED starts readahead that completes asynchronously, so a later
/// mincore depends on I/O timing); MERGEABLE when ksmd runs on this host (merging happens when
/// ksmd gets to it); regular files longer than a page (ext4 may cache them in large folios,
/// which PAGEOUT of part of a folio does not drop). Mappings large enough for a THP exist only in
/// the THP sequences (a third of them, RandomScenarioGen.Thp.cs): the other steps stay in the first
/// 160 KiB of the 2 MiB reservation R, whose own VMA pieces are all smaller than 2 MiB once its
/// edge pages are mapped. Memfd (shmem) mappings have none of these problems.</para>
/// </remarks>
internal static partial class RandomScenarioGen
{
    /// <summary>Bytes in a page.</summary>
    private const int P = 4096;

    /// <summary>True when ksmd merges pages on this host (/sys/kernel/mm/ksm/run is not 0).</summary>
    private static readonly bool s_ksmRunning = KsmRunning();

    /// <summary>PROT values, common ones more often.</summary>
    private static readonly Gen<string> s_prot = Gen.FrequencyConst(
        (2, "none"), (4, "r"), (8, "rw"), (1, "w"), (1, "x"), (1, "rx"), (1, "rwx"), (1, "wx"));

    /// <summary>Write fill bytes; 0x5a is also the regular file's byte.</summary>
    private static readonly Gen<string> s_byte = Gen.OneOfConst("0x00", "0x11", "0x5a", "0xff");

    /// <summary>Steps per sequence: 1 to 60, or MADV_DIFF_STEPS=MIN-MAX (e.g. 40-120 for long sequences).</summary>
    private static readonly (int Min, int Max) s_steps = StepRange(Environment.GetEnvironmentVariable("MADV_DIFF_STEPS"));

    /// <summary>A whole scenario: the preamble switches (file, task B, a fork C of self) and the sim's profile, then the steps.</summary>
    public static readonly Gen<RandomScenario> Scenario =
        Gen.Select(Gen.Bool, Gen.Int[0, 4], Gen.Enum<KernelProfile>(), Gen.Int[0, 2])
            .SelectMany((file, t, profile, h) => h == 0
                ? ThpMix(file, t == 0).List[s_steps.Min, s_steps.Max].Select(steps => new RandomScenario(file, t == 0, steps, profile, Thp: true))
                : Gen.Int[0, 1].SelectMany(f => StepWithForks(file, t == 0, f == 0).List[s_steps.Min, s_steps.Max]
                    .Select(steps => new RandomScenario(file, t == 0, steps, profile) { Fork = f == 0 })));

    /// <summary>Parses MADV_DIFF_STEPS (MIN-MAX, 1 &lt;= MIN &lt;= MAX); unset means 1-60.</summary>
    /// <exception cref="InvalidOperationException">The value is not MIN-MAX.</exception>
    internal static (int Min, int Max) StepRange(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return (1, 60);
        }

        var dash = value.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0
            && int.TryParse(value.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var min)
            && int.TryParse(value.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            && min >= 1 && min <= max)
        {
            return (min, max);
        }

        throw new InvalidOperationException($"MADV_DIFF_STEPS='{value}': expected MIN-MAX with 1 <= MIN <= MAX, e.g. 40-120");
    }

    /// <summary>One step of a sequence with the given preamble.</summary>
    public static Gen<GenStep> Step(bool regularFile, bool task)
    {
        var self = StepIn(inB: false, regularFile, task);
        if (!task)
        {
            return self;
        }

        // Credentials of B: remote process_madvise checks (ptrace access, CAP_SYS_NICE), mlock
        // limits, and the setuid step's own errors.
        var taskOps = Gen.OneOfConst(
            new GenStep(false, "setuid", "B 1000"),
            new GenStep(false, "setuid", "B 0"),
            new GenStep(false, "dropcap", "B CAP_SYS_NICE"),
            new GenStep(false, "dropcap", "B CAP_SYS_PTRACE"),
            new GenStep(false, "dropcap", "B CAP_IPC_LOCK"),
            new GenStep(false, "dropcap", "B CAP_SETUID"),
            new GenStep(false, "dropcap", "B CAP_SETGID"),
            new GenStep(false, "exit", "B"));
        return Gen.Frequency((14, self), (6, StepIn(inB: true, regularFile, task)), (2, taskOps));
    }

    private static Gen<GenStep> StepIn(bool inB, bool regularFile, bool task)
    {
        var res = inB ? "RB" : "R";
        return Gen.Frequency(
            (4, Mmap(inB, res, regularFile)),
            (2, AlignedRange(res, wrap: true).Select(r => new GenStep(inB, "munmap", $"{r.Address} {r.Length}"))),
            (3, Gen.Select(AlignedRange(res, wrap: true), s_prot).Select((r, prot) => new GenStep(inB, "mprotect", $"{r.Address} {r.Length} {prot}"))),
            (2, LockRange(res).Select(r => new GenStep(inB, "mlock", $"{r.Address} {r.Length}"))),
            (1, LockRange(res).Select(r => new GenStep(inB, "munlock", $"{r.Address} {r.Length}"))),
            (4, Gen.Select(ByteRange(res), s_byte).Select((r, b) => new GenStep(inB, "write", $"{r.Address} {r.Length} {b}"))),
            (3, ByteRange(res).Select(r => new GenStep(inB, "read", $"{r.Address} {r.Length}"))),
            (3, AlignedRange(res, wrap: false).Select(r => new GenStep(inB, "mincore", $"{r.Address} {r.Length}"))),
            (3, Pages(12).Select(r => new GenStep(inB, "vmas", $"{At(res, r.Page)} {r.Pages}p"))),
            (8, Gen.Select(AlignedRange(res, wrap: true), Advice(regularFile)).Select((r, b) => new GenStep(inB, "madvise", $"{r.Address} {r.Length} {b}"))),
            (5, Pmadvise(inB, res, regularFile, task)));
    }

    /// <summary>mmap NAME LEN PROT FLAGS [fd=] [off=] at=: always fixed (or fixed_noreplace) inside the interior.</summary>
    private static Gen<GenStep> Mmap(bool inB, string res, bool regularFile)
    {
        var backing = regularFile
            ? Gen.FrequencyConst((6, "anon"), (3, "m"), (2, "f"))
            : Gen.FrequencyConst((6, "anon"), (3, "m"));
        var type = Gen.FrequencyConst((8, "private"), (4, "shared"), (1, "private,shared"), (1, ""));
        var extras = Gen.Select(Gen.Int[0, 7], Gen.Int[0, 7], Gen.Int[0, 7])
            .Select((a, b, c) => (a == 0 ? ",populate" : "") + (b == 0 ? ",locked" : "") + (c == 0 ? ",noreserve" : ""));
        var fixedKind = Gen.FrequencyConst((5, "fixed"), (1, "fixed_noreplace"));
        var placement = Gen.Frequency(
            (12, Pages(10).Select(r => (Address: At(res, r.Page), r.Pages))),
            (1, Pages(4).SelectMany(r => Gen.Int[1, P - 1].Select(b => (Address: At(res, r.Page, b), r.Pages)))));
        var length = Gen.FrequencyConst((16, 0), (1, 1), (1, 2047), (1, -1));
        return Gen.Select(backing, type, extras, fixedKind, placement, length, s_prot)
            .SelectMany(m => Offset(m.Item1).Select(off =>
            {
                var (back, t, extra, fixedFlag, place, trim, prot) = m;
                var flags = string.Join(',', new[] { t, back == "anon" ? "anon" : "", extra.TrimStart(','), fixedFlag }.Where(s => s.Length > 0));
                var len = trim < 0 ? "0" : trim == 0 ? $"{place.Pages}p" : Num(((long)place.Pages * P) - trim);
                var fd = back == "anon" ? "" : $" fd={back}";
                return new GenStep(inB, "mmap", $"{len} {prot} {flags}{fd}{off} at={place.Address}");
            }));
    }

    /// <summary>An off= option: within the memfd (or past its end), past the one-page file's end, or unaligned.</summary>
    private static Gen<string> Offset(string backing) => backing switch
    {
        "m" => Gen.Frequency((10, Gen.Int[0, RandomScenario.MemfdPages].Select(o => o == 0 ? "" : $" off={o}p")), (1, Gen.Const(" off=100"))),
        "f" => Gen.FrequencyConst((8, ""), (2, " off=1p"), (1, " off=100")),
        _ => Gen.FrequencyConst((12, ""), (1, " off=1p")),
    };

    /// <summary>pmadvise PIDFD VEC BEHAVIOUR [FLAGS] with the vector in the reservation of the mm the pidfd names.</summary>
    private static Gen<GenStep> Pmadvise(bool inB, string res, bool regularFile, bool task)
    {
        // Each pidfd choice with the reservation its vector addresses: the caller's own mm, or the other task's.
        var pidfd = task
            ? inB
                ? Gen.FrequencyConst((5, ("self", res)), (2, ("PIDFD_SELF", res)), (1, ("PIDFD_SELF_PROCESS", res)), (4, ("PS", "R")), (1, ("-1", res)))
                : Gen.FrequencyConst((5, ("self", res)), (2, ("PIDFD_SELF", res)), (1, ("PIDFD_SELF_PROCESS", res)), (4, ("PB", "RB")), (1, ("-1", res)), (1, ("9999", res)))
            : Gen.FrequencyConst((6, ("self", res)), (2, ("PIDFD_SELF", res)), (1, ("PIDFD_SELF_PROCESS", res)), (1, ("-1", res)), (1, ("9999", res)));
        var flags = Gen.FrequencyConst((14, ""), (1, " 1"), (1, " 0x100000000"));
        return Gen.Select(pidfd, Advice(regularFile), flags)
            .SelectMany((p, b, f) => Vector(p.Item2).Select(v => new GenStep(inB, "pmadvise", $"{p.Item1} {v} {b}{f}")));
    }

    /// <summary>
    /// A VEC: a list of entries, empty, an unreadable array, or a seq(): spread out, or one range
    /// repeated (stride 0) 0, 9 (past UIO_FASTIOV), 64, 1024 (UIO_MAXIOV) or 1025 times (-EINVAL).
    /// </summary>
    private static Gen<string> Vector(string res) => Gen.Frequency(
        (12, Entry(res).Array[1, 4].Select(e => "[" + string.Join("; ", e) + "]")),
        (1, Gen.Const("[]")),
        (1, Gen.Const("badptr(1)")),
        (2, Gen.Int[1, 6].SelectMany(k => Gen.Int[RandomScenario.FirstPage, RandomScenario.EndPage - (2 * k)].Select(p => $"seq({At(res, p)}, 1p, 2p, {k})"))),
        (1, Gen.Select(Pages(4), Gen.OneOfConst(0, 9, 64, 1024, 1025)).Select((r, n) => $"seq({At(res, r.Page)}, {r.Pages}p, 0, {n})")));

    /// <summary>One iovec: mostly an interior range; sometimes zero-length, unaligned, above the user limit, or negative.</summary>
    private static Gen<string> Entry(string res) => Gen.Frequency(
        (10, AlignedInterior(res).Select(r => $"{r.Address} {r.Length}")),
        (1, Page().Select(p => $"{At(res, p)} 0")),
        (1, Page().SelectMany(p => Gen.Int[1, P - 1].Select(b => $"{At(res, p, b)} 0"))),
        (1, Pages(2).SelectMany(r => Gen.Int[1, P - 1].Select(b => $"{At(res, r.Page, b)} {r.Pages}p"))),
        (1, Gen.Const("0x800000000000 1p")),
        (1, Page().Select(p => $"{At(res, p)} -1")));

    /// <summary>
    /// A start and length for calls that check alignment: an interior range (whole pages or a
    /// length that rounds up to them), a zero or wrapping length, an unaligned start, or an
    /// address no mapping can have.
    /// </summary>
    private static Gen<(string Address, string Length)> AlignedRange(string res, bool wrap) => Gen.Frequency(
        (14, AlignedInterior(res)),
        (2, Page().SelectMany(p => (wrap ? Gen.OneOfConst("0", "-1", "-1p") : Gen.Const("0")).Select(l => (At(res, p), l)))),
        (2, Pages(4).SelectMany(r => Gen.Int[1, P - 1].Select(b => (At(res, r.Page, b), $"{r.Pages}p")))),
        (1, Gen.Select(Gen.OneOfConst("0x800000000000", "0x8000000000000000", "0"), Gen.Int[1, 4]).Select((a, n) => (a, $"{n}p"))));

    /// <summary>An aligned interior start with a length that rounds up to whole interior pages.</summary>
    private static Gen<(string Address, string Length)> AlignedInterior(string res) =>
        Pages(12).SelectMany(r => PageLength(r.Pages).Select(l => (At(res, r.Page), l)));

    /// <summary>mlock/munlock: Linux rounds the start down and the end up, so any byte range inside the interior; or zero/wrapping lengths; or a wild address.</summary>
    private static Gen<(string Address, string Length)> LockRange(string res) => Gen.Frequency(
        (12, ByteRange(res)),
        (2, Gen.Select(Page(), StartByte(), Gen.OneOfConst("0", "-1", "-1p")).Select((p, b, l) => (At(res, p, b), l))),
        (1, Gen.Select(Gen.OneOfConst("0x800000000000", "0"), Gen.Int[1, 4]).Select((a, n) => (a, $"{n}p"))));

    /// <summary>A byte range inside the interior (write, read, mlock), or now and then at an address nothing maps.</summary>
    private static Gen<(string Address, string Length)> ByteRange(string res) => Gen.Frequency(
        (16, Pages(4).SelectMany(r => StartByte().SelectMany(b => Gen.Int[1, (r.Pages * P) - b].Select(l => (At(res, r.Page, b), Num(l)))))),
        (1, Gen.Int[1, 3].Select(n => ("0x800000000000", $"{n}p"))));

    /// <summary>A byte offset into a page: mostly 0.</summary>
    private static Gen<int> StartByte() => Gen.Frequency((3, Gen.Const(0)), (1, Gen.Int[1, P - 1]));

    /// <summary>A length that rounds up to <paramref name="pages"/> pages: whole pages, or a few bytes less.</summary>
    private static Gen<string> PageLength(int pages) => Gen.Frequency(
        (6, Gen.Const($"{pages}p")),
        (1, Gen.Int[1, P - 1].Select(k => Num(((long)pages * P) - k))));

    /// <summary>An interior page.</summary>
    private static Gen<int> Page() => Gen.Int[RandomScenario.FirstPage, RandomScenario.EndPage - 1];

    /// <summary>An interior page range of 1 to <paramref name="max"/> pages.</summary>
    private static Gen<(int Page, int Pages)> Pages(int max) =>
        Page().SelectMany(p => Gen.Int[1, Math.Min(max, RandomScenario.EndPage - p)].Select(n => (p, n)));

    /// <summary>A madvise behaviour, by name or number, page behaviours more often; the ones left out are in the class remarks.</summary>
    private static Gen<string> Advice(bool regularFile)
    {
        var choices = new List<(int, string)>
        {
            (4, "DONTNEED"), (3, "FREE"), (2, "COLD"), (4, "PAGEOUT"), (2, "REMOVE"),
            (2, "POPULATE_READ"), (2, "POPULATE_WRITE"), (2, "DONTNEED_LOCKED"), (3, "GUARD_INSTALL"), (2, "GUARD_REMOVE"),
            (1, "NORMAL"), (1, "RANDOM"), (1, "SEQUENTIAL"), (1, "DONTFORK"), (1, "DOFORK"), (1, "UNMERGEABLE"),
            (1, "HUGEPAGE"), (1, "NOHUGEPAGE"), (1, "DONTDUMP"), (1, "DODUMP"), (1, "WIPEONFORK"), (1, "KEEPONFORK"),
            (1, "COLLAPSE"), (1, "HWPOISON"), (1, "SOFT_OFFLINE"), (1, "5"), (1, "999"), (1, "-1"), (1, "0x100000004"),
        };
        if (!regularFile)
        {
            choices.Add((2, "WILLNEED"));
        }

        if (!s_ksmRunning)
        {
            choices.Add((1, "MERGEABLE"));
        }

        return Gen.FrequencyConst([.. choices]);
    }

    /// <summary><c>RES+Np</c>, or <c>RES+BYTES</c> when <paramref name="bytes"/> is not 0.</summary>
    private static string At(string res, int page, int bytes = 0) =>
        bytes == 0 ? $"{res}+{page}p" : $"{res}+{Num(((long)page * P) + bytes)}";

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool KsmRunning()
    {
        try
        {
            return File.ReadAllText("/sys/kernel/mm/ksm/run").Trim() != "0";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
