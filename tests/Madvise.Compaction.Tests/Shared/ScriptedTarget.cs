using Madvise.Compaction.Engine;

namespace Madvise.Compaction.Tests.Shared;

/// <summary>
/// A target whose process_madvise() costs what a cost model says, on a fake clock, and fails
/// where the script says: the budget logic and the error policy tested without real time.
/// </summary>
/// <remarks>
/// Cost of a call = <see cref="PerCallNs"/> + <see cref="PerRangeNs"/> per range +
/// <see cref="PerResidentPageNs"/> per resident page it covers + <see cref="PerPageNs"/> per
/// accessible page. A mapping of density d has resident pages spread evenly over it (page i is
/// resident when ⌊(i+1)·d⌋ &gt; ⌊i·d⌋) until PAGEOUT makes them non-resident.
/// </remarks>
internal sealed class ScriptedTarget : ICompactionTarget
{
    private readonly List<TargetMapping> _mappings;
    private readonly HashSet<ulong> _pagedOut = [];

    public ScriptedTarget(FakeClock clock, IEnumerable<(TargetMapping Mapping, double Density)> mappings)
    {
        Clock = clock;
        var list = mappings.ToList();
        _mappings = list.ConvertAll(m => m.Mapping);
        Density = list.ConvertAll(m => m.Density);
    }

    public FakeClock Clock { get; }

    public List<double> Density { get; }

    public long PerCallNs { get; set; } = 2_000;

    public long PerRangeNs { get; set; } = 300;

    public long PerResidentPageNs { get; set; } = 4_000;

    public long PerPageNs { get; set; } = 5;

    /// <summary>Extra wall time added to call number N (0-based; probes not counted).</summary>
    public Dictionary<int, long> Preempt { get; } = [];

    /// <summary>Addresses whose mapping answers this errno (EINVAL: locked; ENOMEM: unmapped).</summary>
    public Dictionary<ulong, int> FailingMappings { get; } = [];

    /// <summary>Error every call answers (probes included) from call number <see cref="FailFromCall"/> on.</summary>
    public int? FailAllErrno { get; set; }

    /// <summary>See <see cref="FailAllErrno"/>.</summary>
    public int FailFromCall { get; set; }

    /// <summary>Answers every empty-vector probe with this (0 = success).</summary>
    public long ProbeResult { get; set; }

    public List<(IoVec[] Vector, MemoryAdvice Advice, long Result, long Cost)> Calls { get; } = [];

    public int Probes { get; private set; }

    public string Description => "scripted";

    public int Pid => 4242;

    public ulong UserAddressLimit => PageSize.TASK_SIZE;

    public IReadOnlyList<TargetMapping> ReadMappings() => _mappings;

    public MemoryRollup? ReadRollup()
    {
        long resident = 0;
        for (var i = 0; i < _mappings.Count; i++)
        {
            for (var a = _mappings[i].Start; a < _mappings[i].End; a += PageSize.PAGE_SIZE)
            {
                resident += IsResident(i, a) ? 1 : 0;
            }
        }

        return new MemoryRollup(resident * 4, resident * 4, _pagedOut.Count * 4L, 0);
    }

    public SwapState ReadSwap() => new(1 << 20, 1 << 20, null);

    public long ProcessMadvise(ReadOnlySpan<IoVec> vector, MemoryAdvice advice)
    {
        if (vector.IsEmpty)
        {
            Probes++;
            Clock.Advance(PerCallNs);
            return FailAllErrno is { } e && FailFromCall == 0 ? -e : ProbeResult;
        }

        var index = Calls.Count;
        long cost = PerCallNs;
        long done = 0;
        long result = 0;
        var failed = false;
        if (FailAllErrno is { } all && index >= FailFromCall)
        {
            result = -all;
            failed = true;
        }

        foreach (var v in vector)
        {
            if (failed)
            {
                break;
            }

            cost += PerRangeNs;
            var m = _mappings.FindIndex(x => x.Start <= v.Base && v.Base < x.End);
            if (m < 0 || FailingMappings.TryGetValue(_mappings[m].Start, out _))
            {
                var errno = m < 0 ? Errno.ENOMEM : FailingMappings[_mappings[m].Start];
                result = done > 0 ? done : -errno;
                failed = true;
                break;
            }

            for (var a = v.Base; a < v.Base + v.Len; a += PageSize.PAGE_SIZE)
            {
                if (_mappings[m].IsReserved)
                {
                    continue;
                }

                cost += PerPageNs;
                if (IsResident(m, a))
                {
                    cost += PerResidentPageNs;
                    if (advice == MemoryAdvice.MADV_PAGEOUT)
                    {
                        _pagedOut.Add(a);
                    }
                }
            }

            done += (long)v.Len;
        }

        if (!failed)
        {
            result = done;
        }

        Clock.Advance(cost, Preempt.GetValueOrDefault(index));
        Calls.Add((vector.ToArray(), advice, result, cost));
        return result;
    }

    public void Dispose()
    {
    }

    private bool IsResident(int mapping, ulong address)
    {
        var m = _mappings[mapping];
        var page = (address - m.Start) >> PageSize.PAGE_SHIFT;
        var d = Density[mapping];
        return !m.IsReserved && Math.Floor((page + 1) * d) > Math.Floor(page * d) && !_pagedOut.Contains(address);
    }

    public static TargetMapping Anon(ulong start, ulong pages) => new(start, start + (pages << PageSize.PAGE_SHIFT), true, true, false, false, 0, string.Empty);

    public static TargetMapping Reserved(ulong start, ulong pages) => new(start, start + (pages << PageSize.PAGE_SHIFT), false, false, false, false, 0, string.Empty);

    public static TargetMapping File(ulong start, ulong pages) => new(start, start + (pages << PageSize.PAGE_SHIFT), true, false, false, false, 77, "/lib/x.so");
}
