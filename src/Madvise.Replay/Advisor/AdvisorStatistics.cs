using Madvise.Replay.Replay;

namespace Madvise.Replay.Advisor;

/// <summary>What the batching advisor found in one program: runs of madvise() calls that could have been process_madvise() vectors.</summary>
public sealed class AdvisorStatistics
{
    private readonly Dictionary<long, (long Runs, long Calls)> _byAdvice = [];

    /// <summary>Runs of two or more calls (each became one or more vectors).</summary>
    public long Runs { get; private set; }

    /// <summary>madvise() calls in those runs.</summary>
    public long CallsInRuns { get; private set; }

    /// <summary>process_madvise() calls that replaced them (a run longer than UIO_MAXIOV, or over MAX_RW_COUNT bytes, needs several).</summary>
    public long Vectors { get; private set; }

    /// <summary>madvise() calls that stayed single (no neighbour to batch with).</summary>
    public long SingleCalls { get; private set; }

    /// <summary>The longest run, in calls.</summary>
    public long LongestRun { get; private set; }

    /// <summary>Vectors whose result was not the sum of their lengths (a range failed in the rewritten program).</summary>
    public long VectorsShort { get; private set; }

    /// <summary>Runs and calls per advice value, most calls first.</summary>
    public IReadOnlyList<(string Advice, long Runs, long Calls)> ByAdvice() =>
        [.. _byAdvice.Select(a => (ProgramTally.AdviceName(a.Key), a.Value.Runs, a.Value.Calls)).OrderByDescending(a => a.Calls)];

    internal void AddRun(long advice, int calls, int vectors)
    {
        if (calls < 2)
        {
            SingleCalls += calls;
            return;
        }

        Runs++;
        CallsInRuns += calls;
        Vectors += vectors;
        LongestRun = Math.Max(LongestRun, calls);
        var (r, c) = _byAdvice.GetValueOrDefault(advice);
        _byAdvice[advice] = (r + 1, c + calls);
    }

    internal void AddShortVector() => VectorsShort++;
}
