namespace Madvise.Scenarios.Host;

/// <summary>The <c>write</c> step: u64 addr, u64 len, u8 value.</summary>
internal sealed class WriteOperation : RangeOperation
{
    /// <summary>The byte stored.</summary>
    public byte Value;

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Write(Address, Length, Value);

    /// <inheritdoc/>
    protected override void MoreRequest(ref FrameCodec frame) => frame.U8(ref Value);
}
