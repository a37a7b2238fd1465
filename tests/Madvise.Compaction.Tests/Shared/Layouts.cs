using Madvise.Compaction.Engine;

namespace Madvise.Compaction.Tests.Shared;

/// <summary>Scripted address spaces for the engine's tests.</summary>
internal static class Layouts
{
    /// <summary>Bytes per page.</summary>
    public const ulong P = PageSize.PAGE_SIZE;

    /// <summary>Mappings of <paramref name="pages"/> each with the given densities, one page apart, from 4 GiB up.</summary>
    public static List<(TargetMapping, double)> Anon(ulong pages, params double[] densities)
    {
        var list = new List<(TargetMapping, double)>();
        var at = 1UL << 32;
        foreach (var d in densities)
        {
            list.Add((ScriptedTarget.Anon(at, pages), d));
            at += (pages + 1) * P;
        }

        return list;
    }

    /// <summary>A scripted target over <paramref name="mappings"/> with its clock.</summary>
    public static ScriptedTarget Target(IEnumerable<(TargetMapping, double)> mappings) => new(new FakeClock(), mappings);

    /// <summary>Runs an engine with <paramref name="options"/>, collecting every call.</summary>
    public static (CompactionResult Result, List<CallRecord> Calls) Run(ScriptedTarget target, CompactionOptions options, CancellationToken cancel = default, Action<CallRecord, CancellationTokenSource?>? onCall = null, CancellationTokenSource? source = null)
    {
        var calls = new List<CallRecord>();
        var engine = new CompactionEngine(target, options, target.Clock)
        {
            CallCompleted = c =>
            {
                calls.Add(c);
                onCall?.Invoke(c, source);
            },
        };
        return (engine.Run(cancel), calls);
    }
}
