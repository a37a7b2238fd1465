namespace Madvise.Host.Tests.Differential;

/// <summary>
/// One generated step: the task that runs it, its keyword, and its arguments already rendered
/// (addresses relative to that task's reservation). Steps are independent of each other: none
/// names a mapping another step bound, so any subset of a sequence is a valid scenario, which
/// is what makes shrinking work.
/// </summary>
/// <param name="InB">True when task B runs the step (<c>in B: </c>); its addresses are in B's reservation.</param>
/// <param name="Keyword">The step keyword (<c>mmap</c>, <c>madvise</c>, <c>setuid</c>, ...).</param>
/// <param name="Arguments">Everything after the keyword; for <c>mmap</c>, everything after the name.</param>
/// <param name="Then">
/// Further whole lines (keyword and arguments) that always run right after this one, in the same
/// task: a group that must not be cut apart (shrinking keeps or drops it whole), such as the
/// transparent-huge-page group that sets MADV_HUGEPAGE, faults, and sets MADV_NOHUGEPAGE again
/// before khugepaged could see the VMA (<see cref="RandomScenarioGen"/>'s THP remarks).
/// </param>
internal sealed record GenStep(bool InB, string Keyword, string Arguments, IReadOnlyList<string>? Then = null)
{
    /// <summary>The step's line, then its group's lines. An <c>mmap</c> binds <c>M{index}</c>, a name no other step uses.</summary>
    public string Render(int index)
    {
        var first = (InB ? "in B: " : "") + Keyword + (Keyword == "mmap" ? $" M{index} " : " ") + Arguments;
        if (Then is null)
        {
            return first;
        }

        var sb = new System.Text.StringBuilder(first);
        foreach (var line in Then)
        {
            sb.Append('\n').Append(InB ? "in B: " : "").Append(line);
        }

        return sb.ToString();
    }

    /// <summary>Scenario lines this step renders to.</summary>
    public int LineCount => 1 + (Then?.Count ?? 0);

    /// <inheritdoc/>
    public override string ToString() => Render(0);
}
