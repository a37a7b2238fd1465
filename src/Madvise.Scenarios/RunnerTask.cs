namespace Madvise.Scenarios;

/// <summary>The runner's record of a task name: the task, or why its creation failed.</summary>
/// <param name="Task">The task, or null when its <c>task</c>/<c>fork</c> step failed.</param>
/// <param name="Failure">The result its creation printed (<c>-ERRNO</c> or <c>SKIP(...)</c>) when <paramref name="Task"/> is null.</param>
internal sealed record RunnerTask(ITargetTask? Task, string? Failure);
