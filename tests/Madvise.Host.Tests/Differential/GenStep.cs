using System.Globalization;
using System.Text;

namespace Madvise.Host.Tests.Differential;

/// <summary>
/// One generated step: the task that runs it, its keyword, and its arguments already rendered
/// (addresses relative to that task's reservation). Steps are independent of each other: none
/// names a mapping another step bound, so any subset of a sequence is a valid scenario, which
/// is what makes shrinking work.
/// </summary>
/// <remarks>
/// Two steps render as several lines, so that they stay independent: a <c>fork</c> block
/// (<c>fork F{i}</c>, the steps of <see cref="Children"/> in it, and <c>exit F{i}</c> when
/// <see cref="ExitChild"/>), and <c>smaps</c>, which first drains the CPU's LRU batches with a
/// COLD of the reservation's untouched first page (the host moves LazyFree through per-CPU
/// batches: only a drain makes it deterministic).
/// </remarks>
/// <param name="InB">True when task B runs the step (<c>in B: </c>); its addresses are in B's reservation.</param>
/// <param name="Keyword">The step keyword (<c>mmap</c>, <c>madvise</c>, <c>setuid</c>, ...).</param>
/// <param name="Arguments">Everything after the keyword; for <c>mmap</c>, everything after the name.</param>
internal sealed record GenStep(bool InB, string Keyword, string Arguments)
{
    /// <summary>The task that runs the step when it is neither self nor B (<c>C</c>, the preamble's fork of self); null otherwise.</summary>
    public string? Task { get; init; }

    /// <summary>For a <c>fork</c> block: the steps the new child runs right after the fork (addresses in the forking task's reservation).</summary>
    public IReadOnlyList<GenStep> Children { get; init; } = [];

    /// <summary>For a <c>fork</c> block: the child exits after its steps (else it lives to the end of the file).</summary>
    public bool ExitChild { get; init; }

    /// <summary>Lines the step renders as.</summary>
    public int LineCount => Keyword switch
    {
        "fork" => 1 + Children.Sum(c => c.LineCount) + (ExitChild ? 1 : 0),
        "smaps" => 2,
        _ => 1,
    };

    /// <summary>The step's lines. An <c>mmap</c> binds <c>M{index}</c>, a fork <c>F{index}</c>, names no other step uses.</summary>
    public string Render(int index) => Render(index.ToString(CultureInfo.InvariantCulture), Task);

    private string Render(string id, string? task)
    {
        var prefix = task is not null ? $"in {task}: " : InB ? "in B: " : "";
        switch (Keyword)
        {
            case "fork":
                var child = "F" + id;
                var sb = new StringBuilder(prefix).Append("fork ").Append(child);
                for (var k = 0; k < Children.Count; k++)
                {
                    sb.Append('\n').Append(Children[k].Render($"{id}_{k}", child));
                }

                return (ExitChild ? sb.Append("\nexit ").Append(child) : sb).ToString();
            case "smaps":
                return $"{prefix}madvise {(InB ? "RB" : "R")} 1p COLD\n{prefix}smaps {Arguments}";
            default:
                return prefix + Keyword + (Keyword == "mmap" ? $" M{id} " : " ") + Arguments;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Render(0);
}
