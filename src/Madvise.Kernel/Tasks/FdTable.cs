using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Tasks;

/// <summary>
/// A task's file descriptor table: small integers → open files (<see cref="Fs.OpenFile"/>)
/// or pidfds (<see cref="PidFile"/>). Descriptors 0–2 are left to stdio, as in a real process.
/// </summary>
/// <remarks>
/// <see cref="_lock"/> protects the table; the only lock taken inside it is an inode's leaf
/// lock, to count a reference. Each descriptor on an <see cref="OpenFile"/> is a reference to
/// its inode (<see cref="Inode.Get"/>); it is dropped after the table lock is released, because
/// dropping the last one frees the file's page cache. A system call that uses a file takes its
/// own reference under the table lock (<see cref="GetFile"/>, Linux's fget()), so a close by
/// another thread cannot free the file under it.
/// </remarks>
public sealed class FdTable
{
    private const int FirstFd = 3;

    /// <summary>Protects <see cref="_files"/>. Lock order (<see cref="LockClass.FdTable"/>): under a task's state lock (fork clones the table), above the mmap_lock and the inode's leaf lock (a reference is taken under it).</summary>
    private readonly KernelLock _lock = new(LockClass.FdTable);

    /// <summary>Open descriptors.</summary>
    private readonly SortedDictionary<int, object> _files = [];

    /// <summary>Set by <see cref="CloseAll"/> (exit): nothing can be installed afterwards. Protected by <see cref="_lock"/>.</summary>
    private bool _closed;

    /// <summary>Installs <paramref name="file"/> at the lowest free descriptor (fd_install).</summary>
    /// <returns>
    /// The descriptor, or -1 when the table was closed (its task exited while the call that opens
    /// the file ran: Linux tears the table down only when the last thread is done with it, so
    /// nothing installed by a late call can stay open; here the call gets nothing, and the file
    /// no reference).
    /// </returns>
    public int Install(object file)
    {
        using (_lock.EnterScope())
        {
            if (_closed)
            {
                return -1;
            }

            var fd = FirstFd;
            while (_files.ContainsKey(fd))
            {
                fd++;
            }

            _files[fd] = file;
            (file as OpenFile)?.Inode.Get();
            return fd;
        }
    }

    /// <summary>
    /// The object behind <paramref name="fd"/>, or null when it is not open. No reference is taken:
    /// for a pidfd (whose task object stays valid) or a look that uses nothing of the file; a
    /// system call that uses an <see cref="OpenFile"/> takes it with <see cref="GetFile"/>.
    /// </summary>
    public object? Get(long fd)
    {
        if (fd < 0 || fd > int.MaxValue)
        {
            return null;
        }

        using (_lock.EnterScope())
        {
            return _files.GetValueOrDefault((int)fd);
        }
    }

    /// <summary>
    /// fget(): the object behind <paramref name="fd"/>, with a reference on its inode when it is an
    /// <see cref="OpenFile"/> (the caller drops it with <c>file.Inode.Put()</c>, fput); null when
    /// the descriptor is not open.
    /// </summary>
    public object? GetFile(long fd)
    {
        if (fd < 0 || fd > int.MaxValue)
        {
            return null;
        }

        using (_lock.EnterScope())
        {
            var file = _files.GetValueOrDefault((int)fd);
            (file as OpenFile)?.Inode.Get();
            return file;
        }
    }

    /// <summary>
    /// Installs here a duplicate of descriptor <paramref name="fd"/> of <paramref name="source"/>
    /// (as passing it over a socket, SCM_RIGHTS, does): the file is held while it moves, so a
    /// close in the source meanwhile cannot free it.
    /// </summary>
    /// <returns>The new descriptor, or -1 when <paramref name="fd"/> is not open in <paramref name="source"/> or this table was closed.</returns>
    public int InstallFrom(FdTable source, long fd)
    {
        ArgumentNullException.ThrowIfNull(source);
        var file = source.GetFile(fd);
        if (file is null)
        {
            return -1;
        }

        try
        {
            return Install(file);
        }
        finally
        {
            (file as OpenFile)?.Inode.Put();
        }
    }

    /// <summary>Closes <paramref name="fd"/>; false when it was not open.</summary>
    public bool Close(int fd)
    {
        object? file;
        using (_lock.EnterScope())
        {
            if (!_files.Remove(fd, out file))
            {
                return false;
            }
        }

        (file as OpenFile)?.Inode.Put();
        return true;
    }

    /// <summary>Closes every descriptor (exit).</summary>
    public void CloseAll()
    {
        object[] closed;
        using (_lock.EnterScope())
        {
            _closed = true;
            closed = [.. _files.Values];
            _files.Clear();
        }

        foreach (var file in closed)
        {
            (file as OpenFile)?.Inode.Put();
        }
    }

    /// <summary>A copy sharing the same open files (fork).</summary>
    public FdTable Clone()
    {
        var copy = new FdTable();
        using (_lock.EnterScope())
        {
            foreach (var (fd, file) in _files)
            {
                copy._files[fd] = file;
                (file as OpenFile)?.Inode.Get();
            }
        }

        return copy;
    }

    /// <summary>Number of open descriptors.</summary>
    public int Count
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _files.Count;
            }
        }
    }
}
