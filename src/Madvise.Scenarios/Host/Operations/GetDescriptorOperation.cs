using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// Sends a descriptor the agent holds to the target: i32 id → result 0 with the descriptor
/// attached to the reply frame (SCM_RIGHTS), or -EBADF when the agent does not hold it.
/// </summary>
internal sealed class GetDescriptorOperation : HostOperation
{
    /// <summary>The descriptor id.</summary>
    public int Id;

    /// <summary>The descriptor found, attached to the reply.</summary>
    private int _fd = -1;

    /// <inheritdoc/>
    public override int Attachment => _fd;

    /// <inheritdoc/>
    public override void Request(ref FrameCodec frame) => frame.I32(ref Id);

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor)
    {
        if (executor.TryGetDescriptor(Id, out var fd))
        {
            _fd = fd;
            return 0;
        }

        return -Errno.EBADF;
    }
}
