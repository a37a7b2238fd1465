namespace Madvise.Scenarios.Host;

/// <summary>munlock(2): u64 addr, u64 len.</summary>
internal sealed class MunlockOperation : RangeOperation
{
    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Munlock(Address, Length);
}
