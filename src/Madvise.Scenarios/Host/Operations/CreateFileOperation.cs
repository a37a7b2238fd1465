namespace Madvise.Scenarios.Host;

/// <summary>The <c>file</c> step: i32 id, u64 len, u8 fill, u8 memfd, string name.</summary>
internal sealed class CreateFileOperation : HostOperation
{
    /// <summary>The descriptor id the task holds the file as.</summary>
    public int Id;

    /// <summary>File size.</summary>
    public ulong Length;

    /// <summary>Every byte's value.</summary>
    public byte Fill;

    /// <summary>A memfd instead of a regular file.</summary>
    public bool Memfd;

    /// <summary>The scenario's name for the file.</summary>
    public string Name = "";

    /// <inheritdoc/>
    public override void Request(ref FrameCodec frame)
    {
        frame.I32(ref Id);
        frame.U64(ref Length);
        frame.U8(ref Fill);
        frame.Bool(ref Memfd);
        frame.String(ref Name);
    }

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.CreateFile(Id, Name, Length, Fill, Memfd);
}
