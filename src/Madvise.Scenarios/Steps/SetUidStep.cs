namespace Madvise.Scenarios.Steps;

/// <summary><c>setuid TASK UID</c>: the task drops to UID and loses every capability.</summary>
/// <param name="Target">The task whose credentials change.</param>
/// <param name="Uid">The new uid and gid (0 .. 2^32-2; 2^32-1 means "unchanged" to the kernel and is refused).</param>
public sealed record SetUidStep(string Target, uint Uid) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "setuid";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        parser.CheckArgumentCount(tokens, 2, 2);
        var target = parser.ParseTask(tokens[1]);
        var uid = parser.ParseNumber(tokens[2]);

        // (uid_t)-1 means "leave unchanged" to setresuid(2), so it cannot be a target uid.
        if (!uid.IsInRange(uint.MaxValue - 1))
        {
            throw parser.Error(tokens[2].Column, "bad UID");
        }

        return new SetUidStep(target, (uint)uid.Magnitude) { Text = $"setuid {target} {tokens[2].Text}" };
    }

    /// <inheritdoc/>
    internal override string Execute(ScenarioRunner runner) => runner.WithTarget(Target, this, task => task.SetUid(Uid));
}
