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
internal sealed record GenStep(bool InB, string Keyword, string Arguments)
{
    /// <summary>The step's line. An <c>mmap</c> binds <c>M{index}</c>, a name no other step uses.</summary>
    public string Render(int index) =>
        (InB ? "in B: " : "") + Keyword + (Keyword == "mmap" ? $" M{index} " : " ") + Arguments;

    /// <inheritdoc/>
    public override string ToString() => Render(0);
}
