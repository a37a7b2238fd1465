namespace Madvise.Scenarios;

/// <summary>What became of a step's expectation.</summary>
public enum StepVerdict
{
    /// <summary>The step carries no <c>=&gt;</c> expectation.</summary>
    NotChecked,

    /// <summary>The result equals the expectation after whitespace folding.</summary>
    Held,

    /// <summary>The result differs from the expectation.</summary>
    Mismatch,

    /// <summary>The result is <c>SKIP(...)</c>; it is never compared with the expectation.</summary>
    Skipped,

    /// <summary>The target threw: a bug in the target. The result is <c>ERROR(...)</c>.</summary>
    Error,
}
