namespace Madvise.Kernel.Fs;

/// <summary>An open file description (Linux: <c>struct file</c>): an inode and the access mode it was opened with.</summary>
public sealed class OpenFile
{
    public OpenFile(Inode inode, bool canRead, bool canWrite)
    {
        Inode = inode;
        CanRead = canRead;
        CanWrite = canWrite;
    }

    /// <summary>The file.</summary>
    public Inode Inode { get; }

    /// <summary>FMODE_READ.</summary>
    public bool CanRead { get; }

    /// <summary>FMODE_WRITE.</summary>
    public bool CanWrite { get; }
}
