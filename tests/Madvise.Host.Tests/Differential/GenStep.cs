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
/// A step may render as several lines that stay together (shrinking keeps or drops them whole):
/// the lines of <see cref="Then"/> right after it in the same task (smaps after the drain of the
/// CPU's LRU batches that makes its LazyFree deterministic on the host), or, for a <c>fork</c>
/// block, <c>fork F{i}</c>, the steps of <see cref="Children"/> in F{i}, and <c>exit F{i}</c>
/// when <see cref="ExitChild"/>.
/// </remarks>
/// <param name="InB">True when task B runs the step (<c>in B: </c>); its addresses are in B's reservation.</param>
/// <param name="Keyword">The step keyword (<c>mmap</c>, <c>madvise</c>, <c>setuid</c>, ...).</param>
/// <param name="Arguments">Everything after the keyword; for <c>mmap</c>, everything after the name.</param>
/// <param name="Then">Further whole lines (keyword and arguments) that always run right after this one, in the same task.</param>
internal sealed record GenStep(bool InB, string Keyword, string Arguments, IReadOnlyList<string>? Then = null)
{
    /// <summary>The task that runs the step when it is neither self nor B (<c>C</c>, the preamble's fork of self); null otherwise.</summary>
    public string? Task { get; init; }

    /// <summary>For a <c>fork</c> block: the steps the new child runs right after the fork (addresses in the forking task's reservation).</summary>
    public IReadOnlyList<GenStep> Children { get; init; } = [];

    /// <summary>For a <c>fork</c> block: the child exits after its steps (else it lives to the end of the file).</summary>
    public bool ExitChild { get; init; }

    /// <summary>Scenario lines this step renders to.</summary>
    public int LineCount => 1 + (Then?.Count ?? 0) + Children.Sum(c => c.LineCount) + (ExitChild ? 1 : 0);

    /// <summary>The step's lines. An <c>mmap</c> binds <c>M{index}</c>, a fork <c>F{index}</c>, names no other step uses.</summary>
    public string Render(int index) => Render(index.ToString(CultureInfo.InvariantCulture), Task);

    /// <inheritdoc/>
    public override string ToString() => Render(0);

    private string Render(string id, string? task)
    {
        var prefix = task is not null ? $"in {task}: " : InB ? "in B: " : "";
        var sb = new StringBuilder(prefix).Append(Keyword);
        var child = "F" + id;
        if (Keyword == "fork")
        {
            sb.Append(' ').Append(child);
        }
        else
        {
            sb.Append(Keyword == "mmap" ? $" M{id} " : " ").Append(Arguments);
        }

        foreach (var line in Then ?? [])
        {
            sb.Append('\n').Append(prefix).Append(line);
        }

        for (var k = 0; k < Children.Count; k++)
        {
            sb.Append('\n').Append(Children[k].Render($"{id}_{k}", child));
        }

        return (ExitChild ? sb.Append("\nexit ").Append(child) : sb).ToString();
    }
}
