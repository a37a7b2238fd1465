namespace Madvise.Scenarios;

/// <summary>A kernel oops a target reports (<see cref="IScenarioTarget.TakeOopses"/>).</summary>
/// <param name="Summary">One line: the system call, the task, the exception type and message.</param>
/// <param name="Details">The whole exception, with its stack trace.</param>
public sealed record TargetOops(string Summary, string Details);
