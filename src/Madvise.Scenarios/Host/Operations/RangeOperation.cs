namespace Madvise.Scenarios.Host;

/// <summary>An operation whose request is <c>u64 addr, u64 len</c> and more fields of the derived operation.</summary>
internal abstract class RangeOperation : HostOperation
{
    /// <summary>Start of the range.</summary>
    public ulong Address;

    /// <summary>Length of the range in bytes.</summary>
    public ulong Length;

    /// <inheritdoc/>
    public override void Request(ref FrameCodec frame)
    {
        frame.U64(ref Address);
        frame.U64(ref Length);
        MoreRequest(ref frame);
    }

    /// <summary>The fields after <c>addr, len</c>.</summary>
    protected virtual void MoreRequest(ref FrameCodec frame)
    {
    }
}
