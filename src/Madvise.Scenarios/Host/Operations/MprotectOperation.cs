namespace Madvise.Scenarios.Host;

/// <summary>mprotect(2): u64 addr, u64 len, i32 prot.</summary>
internal sealed class MprotectOperation : RangeOperation
{
    /// <summary>PROT_* bits.</summary>
    public int Prot;

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Mprotect(Address, Length, Prot);

    /// <inheritdoc/>
    protected override void MoreRequest(ref FrameCodec frame) => frame.I32(ref Prot);
}
