using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

internal sealed partial class TaskExecutor
{
    /// <summary>Descriptors (files and pidfds) this process holds, by the target's descriptor id.</summary>
    private readonly Dictionary<int, int> _descriptors = [];

    /// <summary>The local descriptor for <paramref name="id"/>, when this process holds it.</summary>
    public bool TryGetDescriptor(int id, out int fd) => _descriptors.TryGetValue(id, out fd);

    /// <summary>Removes descriptor <paramref name="id"/> from the table without closing it; the caller owns <paramref name="fd"/>.</summary>
    public bool TryTakeDescriptor(int id, out int fd) => _descriptors.Remove(id, out fd);

    /// <summary>Takes ownership of <paramref name="fd"/> as descriptor <paramref name="id"/> (a duplicate received from another task).</summary>
    public void AddDescriptor(int id, int fd)
    {
        if (_descriptors.TryGetValue(id, out var old) && old != fd)
        {
            _sys.Close(old);
        }

        _descriptors[id] = fd;
    }

    /// <summary>
    /// <c>file NAME LEN BYTE [memfd]</c>: a regular file in the temporary folder, created,
    /// unlinked, filled and fsync'ed (its pages then sit clean in the page cache), or a memfd
    /// filled with write(2).
    /// </summary>
    public long CreateFile(int id, string name, ulong length, byte fill, bool memfd)
    {
        var fd = memfd
            ? _sys.MemfdCreate(name)
            : _sys.CreateUnlinkedTempFile(Path.GetTempPath(), "scn-" + name + "-");
        if (fd < 0)
        {
            return fd;
        }

        var buffer = Buffer;
        buffer.AsSpan(0, (int)Math.Min(length, Chunk)).Fill(fill);
        var left = length;
        var r = 0L;
        while (left > 0 && r == 0)
        {
            var k = (int)Math.Min(left, Chunk);
            r = _sys.WriteAll((int)fd, buffer.AsSpan(0, k));
            left -= (ulong)k;
        }

        if (r == 0 && !memfd)
        {
            r = _sys.Fsync((int)fd);
        }

        if (r < 0)
        {
            _sys.Close((int)fd);
            return r;
        }

        AddDescriptor(id, (int)fd);
        return 0;
    }

    /// <summary>pidfd_open(<paramref name="pid"/>, 0), held as descriptor <paramref name="id"/>.</summary>
    public long OpenPidfd(int id, int pid)
    {
        var fd = _sys.PidfdOpen(pid, 0);
        if (fd < 0)
        {
            return fd;
        }

        AddDescriptor(id, (int)fd);
        return 0;
    }

    private void CloseDescriptors()
    {
        foreach (var fd in _descriptors.Values)
        {
            _sys.Close(fd);
        }

        _descriptors.Clear();
        if (_selfPidfd >= 0)
        {
            _sys.Close(_selfPidfd);
            _selfPidfd = -1;
        }
    }
}
