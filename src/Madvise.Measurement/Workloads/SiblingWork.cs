namespace Madvise.Measurement.Workloads;

/// <summary>What the advising thread's sibling threads do while a pass runs (<c>madv eval --sibling-work</c>).</summary>
public enum SiblingWork
{
    /// <summary>Sleep 1 ms, wake, sleep again: a process's mostly idle helper threads (a .NET runtime's, a thread pool's).</summary>
    Sleep,

    /// <summary>Keep writing one byte into each of their own 64 pages, round and round: threads that compute while the advisor runs.</summary>
    Touch,
}
