namespace Madvise.Scenarios.Steps;

/// <summary><c>exit TASK</c>: the task exits and stays a zombie; its pidfds stay open.</summary>
/// <param name="Target">The task that exits (<c>self</c> prints <c>SKIP(exit self)</c>).</param>
public sealed record ExitStep(string Target) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "exit";
}
