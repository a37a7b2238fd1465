namespace Madvise.Cli;

/// <summary>Exit statuses of <c>madv</c>, the same for every command.</summary>
internal static class ExitCodes
{
    /// <summary>Everything held (every expectation, or no difference between targets).</summary>
    public const int Success = 0;

    /// <summary>An expectation did not hold, the targets differ, or a target failed on a step.</summary>
    public const int Failure = 1;

    /// <summary>A file could not be read or parsed, the command line was wrong, or a target is unavailable.</summary>
    public const int Usage = 2;

    /// <summary>
    /// A task died during a scenario without its <c>exit</c> step (on the host: an agent or a
    /// forked process killed by a signal, crashed, or no longer answering). Results after it are
    /// not to be trusted, whatever the expectations say. Wins over <see cref="Failure"/>; a file
    /// that cannot be read (<see cref="Usage"/>) wins over it.
    /// </summary>
    public const int TaskDied = 3;
}
