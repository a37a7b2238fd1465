using System.Globalization;
using System.Text;
using Madvise.Abi;

namespace Madvise.Scenarios;

/// <summary>The canonical result strings of the scenario format (spec "Results").</summary>
public static class ScenarioResults
{
    /// <summary>The result of a successful <c>mmap</c>, <c>file</c>, <c>task</c>, <c>pidfd</c> or <c>fork</c>.</summary>
    public const string Ok = "ok";

    /// <summary>The SKIP printed by every step after a <c>config</c> the target cannot match.</summary>
    public const string ConfigSkip = "SKIP(config)";

    /// <summary>The longest <c>mincore</c> result printed (16 Mi pages, 64 GiB of address space); a longer successful one prints SKIP.</summary>
    public const ulong MaxMincorePages = 1UL << 24;

    /// <summary>Pages of <c>mincore</c> vector the runner hands a target at once (bounded memory for any range).</summary>
    public const int MincoreWindowPages = 1 << 20;

    /// <summary><c>SKIP(reason)</c>.</summary>
    public static string Skip(string reason) => "SKIP(" + reason + ")";

    /// <summary>True for a <c>SKIP(...)</c> result.</summary>
    public static bool IsSkip(string result) => result.StartsWith("SKIP(", StringComparison.Ordinal);

    /// <summary><c>-ENAME</c> for a negative errno.</summary>
    public static string Errno(long negativeErrno) => Madvise.Abi.Errno.Format(negativeErrno);

    /// <summary><c>0</c> for success, else <c>-ENAME</c>.</summary>
    public static string Status(long result) => result >= 0 ? "0" : Errno(result);

    /// <summary>A byte count in decimal, else <c>-ENAME</c>.</summary>
    public static string Count(long result) => result >= 0 ? result.ToString(CultureInfo.InvariantCulture) : Errno(result);

    /// <summary>One digit per page: <c>1</c> when bit 0 of the mincore byte is set.</summary>
    public static string Mincore(ReadOnlySpan<byte> vec)
    {
        var digits = new char[vec.Length];
        for (var i = 0; i < vec.Length; i++)
        {
            digits[i] = (vec[i] & 1) != 0 ? '1' : '0';
        }

        return new string(digits);
    }

    /// <summary>
    /// <c>[START-END PERMS FLAGS; ...]</c> with offsets from <paramref name="start"/>: whole
    /// pages as <c>Np</c>, anything else in bytes; negative offsets allowed; flags sorted.
    /// </summary>
    public static string Vmas(ulong start, IReadOnlyList<MappingInfo> mappings) =>
        MappingList(start, mappings, static m => (m.Start, m.End), static (sb, m) =>
        {
            sb.Append(' ').Append(m.Perms);
            foreach (var f in new SortedSet<string>(m.Flags, StringComparer.Ordinal))
            {
                sb.Append(' ').Append(f);
            }
        });

    /// <summary>
    /// <c>[START-END Rss=N Anonymous=N AnonHugePages=N LazyFree=N Swap=N Locked=N; ...]</c>,
    /// offsets as in <see cref="Vmas"/>, counters in KiB.
    /// </summary>
    public static string Smaps(ulong start, IReadOnlyList<SmapsInfo> mappings) =>
        MappingList(start, mappings, static m => (m.Start, m.End), static (sb, m) => sb
            .Append(CultureInfo.InvariantCulture, $" Rss={m.Rss} Anonymous={m.Anonymous} AnonHugePages={m.AnonHugePages}")
            .Append(CultureInfo.InvariantCulture, $" LazyFree={m.LazyFree} Swap={m.Swap} Locked={m.Locked}"));

    /// <summary><c>[START-END DETAILS; ...]</c>: one entry per mapping, offsets from <paramref name="start"/>.</summary>
    private static string MappingList<T>(ulong start, IReadOnlyList<T> mappings, Func<T, (ulong Start, ulong End)> range, Action<StringBuilder, T> details)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        var sb = new StringBuilder("[");
        for (var i = 0; i < mappings.Count; i++)
        {
            if (i > 0)
            {
                sb.Append("; ");
            }

            var (s, e) = range(mappings[i]);
            sb.Append(Offset(start, s)).Append('-').Append(Offset(start, e));
            details(sb, mappings[i]);
        }

        return sb.Append(']').ToString();
    }

    /// <summary>The signed distance from <paramref name="start"/> to <paramref name="address"/>: <c>Np</c> for whole pages, else bytes.</summary>
    public static string Offset(ulong start, ulong address)
    {
        // Both addresses are below 2^64, so the exact difference fits in 65 bits.
        var d = (Int128)address - start;
        return d % (long)PageSize.PAGE_SIZE == 0
            ? (d / (long)PageSize.PAGE_SIZE).ToString(CultureInfo.InvariantCulture) + "p"
            : d.ToString(CultureInfo.InvariantCulture);
    }
}
