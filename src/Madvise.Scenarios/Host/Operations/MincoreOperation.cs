namespace Madvise.Scenarios.Host;

/// <summary>mincore(2): u64 addr, u64 len, u32 vecLength → bytes vec.</summary>
internal sealed class MincoreOperation : RangeOperation
{
    /// <summary>Bytes of the vector the caller passes.</summary>
    public uint VectorLength;

    /// <summary>Reply: one byte per page.</summary>
    public byte[] Vector = [];

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor)
    {
        Vector = new byte[VectorLength];
        return executor.Mincore(Address, Length, Vector);
    }

    /// <inheritdoc/>
    public override void Reply(ref FrameCodec frame) => frame.Bytes(ref Vector);

    /// <inheritdoc/>
    protected override void MoreRequest(ref FrameCodec frame) => frame.U32(ref VectorLength);
}
