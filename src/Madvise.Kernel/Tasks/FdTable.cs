using Madvise.Kernel.Fs;

namespace Madvise.Kernel.Tasks;

/// <summary>
/// A task's file descriptor table: small integers → open files (<see cref="Fs.OpenFile"/>)
/// or pidfds (<see cref="PidFile"/>). Descriptors 0–2 are left to stdio, as in a real process.
/// </summary>
/// <remarks>
/// <see cref="_lock"/> protects the table; the only lock taken inside it is an inode's leaf
/// lock, to count a new descriptor. Each descriptor on an <see cref="OpenFile"/> is a
/// reference to its inode (<see cref="Inode.OpenDescriptor"/>); it is dropped after the table
/// lock is released, because dropping the last one frees the file's page cache.
/// </remarks>
public sealed class FdTable
{
    private const int FirstFd = 3;

    /// <summary>Protects <see cref="_files"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>Open descriptors.</summary>
    private readonly SortedDictionary<int, object> _files = [];

    /// <summary>Installs <paramref name="file"/> at the lowest free descriptor (fd_install).</summary>
    public int Install(object file)
    {
        lock (_lock)
        {
            var fd = FirstFd;
            while (_files.ContainsKey(fd))
            {
                fd++;
            }

            _files[fd] = file;
            (file as OpenFile)?.Inode.OpenDescriptor();
            return fd;
        }
    }

    /// <summary>The object behind <paramref name="fd"/>, or null when it is not open (fget).</summary>
    public object? Get(long fd)
    {
        if (fd < 0 || fd > int.MaxValue)
        {
            return null;
        }

        lock (_lock)
        {
            return _files.GetValueOrDefault((int)fd);
        }
    }

    /// <summary>Closes <paramref name="fd"/>; false when it was not open.</summary>
    public bool Close(int fd)
    {
        object? file;
        lock (_lock)
        {
            if (!_files.Remove(fd, out file))
            {
                return false;
            }
        }

        (file as OpenFile)?.Inode.CloseDescriptor();
        return true;
    }

    /// <summary>Closes every descriptor (exit).</summary>
    public void CloseAll()
    {
        object[] closed;
        lock (_lock)
        {
            closed = [.. _files.Values];
            _files.Clear();
        }

        foreach (var file in closed)
        {
            (file as OpenFile)?.Inode.CloseDescriptor();
        }
    }

    /// <summary>A copy sharing the same open files (fork).</summary>
    public FdTable Clone()
    {
        var copy = new FdTable();
        lock (_lock)
        {
            foreach (var (fd, file) in _files)
            {
                copy._files[fd] = file;
                (file as OpenFile)?.Inode.OpenDescriptor();
            }
        }

        return copy;
    }

    /// <summary>Number of open descriptors.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _files.Count;
            }
        }
    }
}
