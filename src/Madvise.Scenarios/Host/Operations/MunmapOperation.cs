namespace Madvise.Scenarios.Host;

/// <summary>munmap(2): u64 addr, u64 len.</summary>
internal sealed class MunmapOperation : RangeOperation
{
    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Munmap(Address, Length);
}
