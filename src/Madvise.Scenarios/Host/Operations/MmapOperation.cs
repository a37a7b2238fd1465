namespace Madvise.Scenarios.Host;

/// <summary>mmap(2): u64 addr, u64 len, i32 prot, i32 flags, i32 fileId (-1: none), u64 off → u64 mapped.</summary>
internal sealed class MmapOperation : RangeOperation
{
    /// <summary>PROT_* bits.</summary>
    public int Prot;

    /// <summary>MAP_* bits.</summary>
    public int Flags;

    /// <summary>Descriptor id of the file, or -1.</summary>
    public int File = -1;

    /// <summary>File offset.</summary>
    public ulong Offset;

    /// <summary>Reply: the address mapped.</summary>
    public ulong Mapped;

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Mmap(Address, Length, Prot, Flags, File, Offset, out Mapped);

    /// <inheritdoc/>
    public override void Reply(ref FrameCodec frame) => frame.U64(ref Mapped);

    /// <inheritdoc/>
    protected override void MoreRequest(ref FrameCodec frame)
    {
        frame.I32(ref Prot);
        frame.I32(ref Flags);
        frame.I32(ref File);
        frame.U64(ref Offset);
    }
}
