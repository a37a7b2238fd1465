namespace Madvise.Scenarios.Host;

/// <summary>mlock(2): u64 addr, u64 len.</summary>
internal sealed class MlockOperation : RangeOperation
{
    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Mlock(Address, Length);
}
