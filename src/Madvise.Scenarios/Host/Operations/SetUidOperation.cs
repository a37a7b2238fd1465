namespace Madvise.Scenarios.Host;

/// <summary>The <c>setuid</c> step: u32 uid.</summary>
internal sealed class SetUidOperation : HostOperation
{
    /// <summary>The new uid and gid.</summary>
    public uint Uid;

    /// <inheritdoc/>
    public override void Request(ref FrameCodec frame) => frame.U32(ref Uid);

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.SetUid(Uid);
}
