using System.Globalization;
using System.Text.RegularExpressions;

namespace Madvise.Scenarios.Tests.Fuzzing;

/// <summary>
/// Makes a well-formed step for a mutant, on the names its lines bind (mappings, files, tasks,
/// pidfds) and with arguments from small page counts to extreme values, so that a mutant calls
/// the kernel in ways the corpus does not: most such steps parse and run.
/// </summary>
internal static partial class StepMaker
{
    private static readonly string[] Advice =
    [
        "NORMAL", "RANDOM", "SEQUENTIAL", "WILLNEED", "DONTNEED", "FREE", "REMOVE", "DONTFORK", "DOFORK", "MERGEABLE",
        "UNMERGEABLE", "HUGEPAGE", "NOHUGEPAGE", "DONTDUMP", "DODUMP", "WIPEONFORK", "KEEPONFORK", "COLD", "PAGEOUT",
        "POPULATE_READ", "POPULATE_WRITE", "GUARD_INSTALL", "GUARD_REMOVE", "COLLAPSE", "DONTNEED_LOCKED", "HWPOISON", "SOFT_OFFLINE",
    ];

    private static readonly string[] Prots = ["none", "r", "rw", "w", "rx", "rwx"];

    private static readonly string[] MapFlags =
    [
        "private,anon", "shared,anon", "private,anon,noreserve", "private,anon,populate", "private,anon,locked", "shared,anon,populate",
        "private", "shared", "private,populate", "shared,locked",
    ];

    /// <summary>Lengths: mostly a few pages, sometimes odd, huge or absurd.</summary>
    private static readonly string[] Lengths =
    [
        "1p", "2p", "4p", "8p", "16p", "1", "4095", "4097", "0", "512p", "513p", "1024p", "2M", "4M", "64M", "1G", "1T",
        "0x7fffffffffff", "0xfffffffffffff000", "-1p",
    ];

    /// <summary>One step on the names bound in <paramref name="lines"/>.</summary>
    public static string Make(Random random, IReadOnlyList<string> lines)
    {
        var mappings = Bound(lines, "mmap");
        var files = Bound(lines, "file");
        var tasks = Bound(lines, "task").Concat(Bound(lines, "fork")).Append("self").ToList();
        var pidfds = Bound(lines, "pidfd").Append("self").ToList();
        var prefix = random.Next(4) == 0 ? $"in {Pick(random, tasks)}: " : "";
        var step = random.Next(17) switch
        {
            0 or 1 or 2 => $"madvise {Address(random, mappings)} {Length(random)} {Pick(random, Advice)}",
            3 or 4 => $"pmadvise {Pick(random, pidfds)} {Vector(random, mappings)} {Pick(random, Advice)}",
            5 => $"mmap {NewName(random)} {Length(random)} {Pick(random, Prots)} {Flags(random, files)}",
            6 => $"munmap {Address(random, mappings)} {Length(random)}",
            7 => $"mprotect {Address(random, mappings)} {Length(random)} {Pick(random, Prots)}",
            8 => $"{(random.Next(2) == 0 ? "mlock" : "munlock")} {Address(random, mappings)} {Length(random)}",
            9 => $"write {Address(random, mappings)} {Length(random)} 0x{random.Next(256):x2}",
            10 => $"read {Address(random, mappings)} {Length(random)}",
            11 => $"mincore {Address(random, mappings)} {Length(random)}",
            12 => $"{(random.Next(2) == 0 ? "vmas" : "smaps")} {Address(random, mappings)} {Length(random)}",
            13 => $"fork {NewName(random)}",
            14 => $"exit {Pick(random, tasks)}",
            15 => $"file {NewName(random)} {Length(random)} 0x{random.Next(256):x2}{(random.Next(2) == 0 ? " memfd" : "")}",
            _ => $"pidfd {NewName(random)} {Pick(random, tasks)}",
        };
        return prefix + step;
    }

    /// <summary>Names bound by steps of <paramref name="keyword"/> (with or without an <c>in TASK:</c> prefix).</summary>
    private static List<string> Bound(IReadOnlyList<string> lines, string keyword)
    {
        var names = new List<string>();
        foreach (var line in lines)
        {
            var m = BindingPattern().Match(line);
            if (m.Success && m.Groups[1].Value == keyword)
            {
                names.Add(m.Groups[2].Value);
            }
        }

        return names;
    }

    private static string Address(Random random, List<string> mappings) => random.Next(8) switch
    {
        0 => Pick(random, ["0", "0x1000", "0x7ffffffff000", "0xfffffffffffff000", "0x8000000000000000", "0x10000000"]),
        _ when mappings.Count == 0 => "0x10000000",
        1 or 2 => string.Create(CultureInfo.InvariantCulture, $"{Pick(random, mappings)}+{random.Next(16)}p"),
        3 => string.Create(CultureInfo.InvariantCulture, $"{Pick(random, mappings)}+{random.Next(4096)}"),
        _ => Pick(random, mappings),
    };

    private static string Length(Random random) => random.Next(3) == 0 ? Pick(random, Lengths) : string.Create(CultureInfo.InvariantCulture, $"{1 + random.Next(8)}p");

    private static string Vector(Random random, List<string> mappings) => random.Next(6) switch
    {
        0 => "[]",
        1 => string.Create(CultureInfo.InvariantCulture, $"seq({Address(random, mappings)}, {Length(random)}, {Length(random)}, {Pick(random, ["1", "4", "1024", "1025"])})"),
        2 => string.Create(CultureInfo.InvariantCulture, $"badptr({random.Next(3)})"),
        _ => $"[{Address(random, mappings)} {Length(random)}; {Address(random, mappings)} {Length(random)}]",
    };

    private static string Flags(Random random, List<string> files)
    {
        var flags = Pick(random, MapFlags);
        if (!flags.Contains("anon", StringComparison.Ordinal))
        {
            flags += files.Count > 0 ? " fd=" + Pick(random, files) : ",anon";
        }

        if (random.Next(4) != 0)
        {
            return flags;
        }

        var comma = flags.IndexOf(' ', StringComparison.Ordinal) is var blank and >= 0 ? blank : flags.Length;
        var fixedFlag = Pick(random, ["", ",fixed", ",fixed_noreplace"]);
        return flags[..comma] + fixedFlag + flags[comma..] + " at=" + Pick(random, ["0x10000000", "0x7f0000000000", "0x8000000000000000", "0x1000", "0xffff800000000000"]);
    }

    private static string NewName(Random random) => "M" + random.Next(4).ToString(CultureInfo.InvariantCulture);

    private static string Pick(Random random, IReadOnlyList<string> items) => items[random.Next(items.Count)];

    /// <summary>A step that binds a name: <c>[in TASK:] KEYWORD NAME</c>.</summary>
    [GeneratedRegex(@"^\s*(?:in\s+\w+:\s*)?(mmap|file|task|fork|pidfd)\s+([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex BindingPattern();
}
