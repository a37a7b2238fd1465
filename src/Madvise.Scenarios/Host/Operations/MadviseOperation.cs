using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>madvise(2): u64 addr, u64 len, i32 advice.</summary>
internal sealed class MadviseOperation : RangeOperation
{
    /// <summary>The advice.</summary>
    public MemoryAdvice Advice;

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Madvise(Address, Length, Advice);

    /// <inheritdoc/>
    protected override void MoreRequest(ref FrameCodec frame) => frame.Advice(ref Advice);
}
