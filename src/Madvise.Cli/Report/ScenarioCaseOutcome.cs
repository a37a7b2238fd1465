namespace Madvise.Cli.Report;

/// <summary>How one checked step of a scenario file ended, as CI reports count it.</summary>
internal enum ScenarioCaseOutcome
{
    /// <summary>The expectation held (run), or both targets agree (check).</summary>
    Passed,

    /// <summary>A mismatch (run) or a difference between the targets (check).</summary>
    Failed,

    /// <summary>SKIP(...) on a target, or past a host-divergent file's divergence point.</summary>
    Skipped,

    /// <summary>The target failed on the step (ERROR(...)).</summary>
    Error,
}
