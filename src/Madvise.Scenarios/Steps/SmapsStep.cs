namespace Madvise.Scenarios.Steps;

/// <summary>
/// <c>smaps ADDR LEN</c>: the advice-relevant /proc/PID/smaps counters (Rss, Anonymous,
/// AnonHugePages, LazyFree, Swap, Locked, in KiB) of each mapping that overlaps the range.
/// </summary>
/// <remarks>LEN 0 prints <c>[]</c> without asking the target, as <c>vmas</c> does (runner rule 7).</remarks>
public sealed record SmapsStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "smaps";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens) =>
        ParseRange(parser, tokens, static (a, l) => new SmapsStep(a, l));

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address)
    {
        if (Length == 0)
        {
            return "[]";
        }

        var mappings = new List<SmapsInfo>();
        var r = task.Smaps(address, Length, mappings);
        return r < 0 ? ScenarioRunner.Failure(task, this, r) : ScenarioResults.Smaps(address, mappings);
    }
}
