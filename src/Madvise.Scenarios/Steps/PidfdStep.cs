namespace Madvise.Scenarios.Steps;

/// <summary><c>pidfd NAME TASK</c>: pidfd_open(2) of TASK, bound to NAME.</summary>
/// <param name="Name">The pidfd name (its own name space).</param>
/// <param name="Target">The task opened (<c>self</c> = the main task).</param>
public sealed record PidfdStep(string Name, string Target) : InTaskStep
{
    /// <inheritdoc/>
    public override string Keyword => "pidfd";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        parser.CheckArgumentCount(tokens, 2, 2);
        var name = parser.ParseNewName(tokens[1]);
        if (ScenarioParser.IsSelf(name))
        {
            throw parser.Error(tokens[1].Column, "'self' cannot be bound");
        }

        var target = parser.ParseTask(tokens[2]);
        parser.BindPidfd(name);
        return new PidfdStep(name, target) { Text = $"pidfd {name} {target}" };
    }

    /// <inheritdoc/>
    internal override void Unbind(ScenarioRunner runner) => runner.UnbindPidfd(Name);

    /// <summary>The target task may have exited: a zombie still has a pid, so the target is asked (runner rule 5).</summary>
    internal override string ExecuteIn(ScenarioRunner runner, ITargetTask task)
    {
        var target = runner.Task(Target);
        if (target.Task is null)
        {
            return ScenarioRunner.CreationFailure(target);
        }

        var r = task.OpenPidfd(target.Task, out var pidfd);
        if (r < 0)
        {
            return ScenarioRunner.Failure(task, this, r);
        }

        runner.BindPidfd(Name, pidfd ?? throw new InvalidOperationException("OpenPidfd succeeded without a pidfd"));
        return ScenarioResults.Ok;
    }

    /// <summary>A pidfd step that printed SKIP(...) makes later uses of the name print it too (runner rule 2).</summary>
    internal override void Completed(ScenarioRunner runner, string result, bool skipped)
    {
        if (skipped)
        {
            runner.SkipPidfd(Name, result);
        }
    }
}
