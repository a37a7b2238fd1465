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

    /// <summary>The simulated kernel oopsed: an exception escaped one of its system calls (a kernel bug; the task that made the call was killed).</summary>
    public const int KernelOops = 3;
}
