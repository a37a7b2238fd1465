namespace Madvise.Host;

/// <summary>Read-only views of the batcher's state for tests.</summary>
public sealed partial class AdviceBatcher
{
    /// <summary>The descriptor number of the batcher's pidfd, or -1 when it has none.</summary>
    internal int PidfdNumberForTests => _pidfd?.Fd ?? -1;

    /// <summary>A copy of the pending ranges as stored (merged only once they are sorted).</summary>
    internal Madvise.Abi.IoVec[] PendingForTests => _pending.AsSpan(0, _count).ToArray();
}
