using System.Globalization;
using Madvise.Replay.Model;

namespace Madvise.Replay.Replay;

/// <summary>
/// What one program (every process running one executable image, forked children included) did
/// in a trace and how the simulated kernel answered: calls by kind and advice, results matched,
/// differed and not judged (by reason), the differences, and the calls' costs.
/// </summary>
public sealed class ProgramTally
{
    /// <summary>How many differences are kept in full (all are counted).</summary>
    public const int MaxDifferences = 1000;

    private readonly long[] _byKind = new long[Enum.GetValues<SyscallKind>().Length];

    private readonly Dictionary<string, long> _otherCalls = new(StringComparer.Ordinal);

    private readonly Dictionary<(SyscallKind Call, long Advice), long> _advice = [];

    private readonly long[] _unjudged = new long[Enum.GetValues<Unjudged>().Length];

    private readonly List<Difference> _differences = [];

    internal ProgramTally(string name) => Name = name;

    /// <summary>The program: the executable's file name (<c>redis-server</c>), or <c>pid N</c> for an attached process without a maps file.</summary>
    public string Name { get; }

    /// <summary>Processes that ran it.</summary>
    public int Processes { get; internal set; }

    /// <summary>Threads seen (including each process's first).</summary>
    public int Threads { get; internal set; }

    /// <summary>Calls logged.</summary>
    public long Calls { get; private set; }

    /// <summary>Calls whose result matched the simulated kernel's.</summary>
    public long Matched { get; private set; }

    /// <summary>Calls whose result differed.</summary>
    public long Differed { get; private set; }

    /// <summary>Calls compared.</summary>
    public long Judged => Matched + Differed;

    /// <summary>Calls not compared, all reasons.</summary>
    public long UnjudgedTotal { get; private set; }

    /// <summary>Differences not kept because <see cref="MaxDifferences"/> were already listed.</summary>
    public long DifferencesNotKept { get; private set; }

    /// <summary>The first <see cref="MaxDifferences"/> differences, in log order.</summary>
    public IReadOnlyList<Difference> Differences => _differences;

    /// <summary>Implicit mappings created (memory a call touched that no traced call mapped).</summary>
    public long ImplicitMappings { get; internal set; }

    /// <summary>Bytes of those mappings.</summary>
    public long ImplicitBytes { get; internal set; }

    /// <summary>Mappings created from the maps file.</summary>
    public long SeededMappings { get; internal set; }

    /// <summary>Pages written before a zap-type advice so that it has something to zap (see <see cref="ReplayOptions.Touch"/>).</summary>
    public long TouchedPages { get; internal set; }

    /// <summary>Costs of every replayed call of the program.</summary>
    public CallCosts All { get; } = new();

    /// <summary>Costs of its madvise and process_madvise calls.</summary>
    public CallCosts Advice { get; } = new();

    /// <summary>Calls not compared for one reason.</summary>
    public long UnjudgedFor(Unjudged reason) => _unjudged[(int)reason];

    /// <summary>Calls by strace name, most frequent first.</summary>
    public IReadOnlyList<(string Call, long Count)> CallsByName()
    {
        var list = new List<(string, long)>();
        for (var k = 1; k < _byKind.Length; k++)
        {
            if (_byKind[k] > 0)
            {
                list.Add((SyscallNames.Name((SyscallKind)k), _byKind[k]));
            }
        }

        foreach (var (name, count) in _otherCalls)
        {
            list.Add((name, count));
        }

        return [.. list.OrderByDescending(c => c.Item2).ThenBy(c => c.Item1, StringComparer.Ordinal)];
    }

    /// <summary>madvise and process_madvise calls by advice (<c>MADV_DONTNEED</c>, or the number in hex when it names none), most frequent first.</summary>
    public IReadOnlyList<(string Call, string Advice, long Count)> CallsByAdvice() =>
        [.. _advice.Select(a => (SyscallNames.Name(a.Key.Call), AdviceName(a.Key.Advice), a.Value))
            .OrderByDescending(a => a.Value).ThenBy(a => a.Item1, StringComparer.Ordinal).ThenBy(a => a.Item2, StringComparer.Ordinal)];

    /// <summary><c>MADV_DONTNEED</c>, or <c>0x66</c> for a number without a name.</summary>
    public static string AdviceName(long advice)
    {
        var name = MemoryAdviceNames.Name((MemoryAdvice)(int)advice);
        return name is null ? "0x" + advice.ToString("x", CultureInfo.InvariantCulture) : "MADV_" + name;
    }

    internal void Count(TraceEvent ev)
    {
        Calls++;
        if (ev.Syscall == SyscallKind.Other)
        {
            var name = ev.OtherName ?? "?";
            _otherCalls[name] = _otherCalls.GetValueOrDefault(name) + 1;
        }
        else
        {
            _byKind[(int)ev.Syscall]++;
        }

        if (ev.Syscall == SyscallKind.Madvise && ev.ArgCount == 3)
        {
            CountAdvice(SyscallKind.Madvise, (long)ev.Args[2]);
        }
        else if (ev.Syscall == SyscallKind.ProcessMadvise && ev.ArgCount == 5)
        {
            CountAdvice(SyscallKind.ProcessMadvise, (long)ev.Args[3]);
        }
    }

    private void CountAdvice(SyscallKind call, long advice)
    {
        var key = (call, (long)(int)advice);
        _advice[key] = _advice.GetValueOrDefault(key) + 1;
    }

    internal void Match() => Matched++;

    /// <summary>True while differences are still listed in full (the first <see cref="MaxDifferences"/>); later ones are only counted, so need not be built.</summary>
    internal bool ListsMoreDifferences => _differences.Count < MaxDifferences;

    /// <summary>Counts a difference; lists it while <see cref="ListsMoreDifferences"/> (null: one not built because it would not be listed).</summary>
    internal void Differ(Difference? difference)
    {
        Differed++;
        if (difference is not null && _differences.Count < MaxDifferences)
        {
            _differences.Add(difference);
        }
        else
        {
            DifferencesNotKept++;
        }
    }

    internal void NotJudged(Unjudged reason)
    {
        _unjudged[(int)reason]++;
        UnjudgedTotal++;
    }
}
