namespace Madvise.Compaction.Engine;

/// <summary>How a compaction ended.</summary>
public enum CompactionOutcome
{
    /// <summary>Every planned range was advised or skipped after an error the policy skips.</summary>
    Completed,

    /// <summary>Only planned (<see cref="CompactionOptions.DryRun"/>).</summary>
    DryRun,

    /// <summary>Cancelled between two calls (Ctrl+C).</summary>
    Cancelled,

    /// <summary>The deadline passed; no further call was started.</summary>
    DeadlineReached,

    /// <summary>The target exited (ESRCH): what was done before is reported.</summary>
    TargetExited,

    /// <summary>An error the policy does not skip stopped it (EPERM, EACCES, ENOSYS, EFAULT, EINTR ...).</summary>
    Failed,
}
