namespace Madvise.Scenarios.Host;

/// <summary>The <c>dropcap</c> step: i32 capability.</summary>
internal sealed class DropCapabilityOperation : HostOperation
{
    /// <summary>The capability number.</summary>
    public int Capability;

    /// <inheritdoc/>
    public override void Request(ref FrameCodec frame) => frame.I32(ref Capability);

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.DropCapability(Capability);
}
