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

    /// <summary>
    /// The step ran on the host at or after the divergence point of a file marked
    /// <c>@host-divergent</c> (ScenarioRunner.cs rule 9): its result is printed but neither
    /// checked against its expectation nor compared with another target.
    /// </summary>
    Divergent,

    /// <summary>The target threw: a bug in the target. The result is <c>ERROR(...)</c>.</summary>
    Error,
}
