namespace Madvise.Scenarios.Steps;

/// <summary><c>setuid TASK UID</c>: the task drops to UID and loses every capability.</summary>
/// <param name="Target">The task whose credentials change.</param>
/// <param name="Uid">The new uid and gid (0 .. 2^32-2; 2^32-1 means "unchanged" to the kernel and is refused).</param>
public sealed record SetUidStep(string Target, uint Uid) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "setuid";
}
