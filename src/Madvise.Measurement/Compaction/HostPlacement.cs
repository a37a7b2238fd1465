namespace Madvise.Measurement.Compaction;

/// <summary>
/// Where <c>madv compact-bench</c> runs the compacting thread and the host target's threads
/// (<c>--host-cpus</c>). It decides what the compactor's TLB flushes cost: a flush interrupts every
/// other CPU that runs the target at that moment, which the budget lets the target do between calls.
/// </summary>
public enum HostPlacement
{
    /// <summary>Wherever the scheduler puts them (what a real compactor gets).</summary>
    Free,

    /// <summary>The compactor and every thread of the target on one CPU: the target never runs during a call.</summary>
    Same,

    /// <summary>The compactor on one CPU, the target on another: the target runs during every call it is not blocked in.</summary>
    Apart,
}
