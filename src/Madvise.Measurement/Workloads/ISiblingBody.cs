namespace Madvise.Measurement.Workloads;

/// <summary>What one sibling thread does on one kernel; <see cref="SiblingThreads"/> calls it from that thread only.</summary>
public interface ISiblingBody
{
    /// <summary>The thread starts running (after a wake-up): on the simulated kernel its CPU switches to the process's mm.</summary>
    void Wake();

    /// <summary>The thread blocks (a sleep, or parked between passes): on the simulated kernel its CPU idles in lazy TLB mode.</summary>
    void Block();

    /// <summary>One round of touching the thread's own pages (<see cref="SiblingWork.Touch"/>).</summary>
    void Touch();
}
