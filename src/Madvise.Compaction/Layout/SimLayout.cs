using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;

namespace Madvise.Compaction.Layout;

/// <summary>
/// A <see cref="TargetLayout"/> built in a simulated task, as <see cref="HostLayout"/> builds it in
/// a real process: one reservation, each mapping placed with MAP_FIXED, a one-page hole after
/// each; the file mappings share one regular file of the simulated kernel.
/// </summary>
public sealed class SimLayout
{
    /// <summary>Bytes per page.</summary>
    private const ulong Page = PageSize.PAGE_SIZE;

    /// <summary>The byte stores write (the simulated swap copies pages whatever they hold).</summary>
    private const byte Fill = 0x5A;

    /// <summary>The task the layout lives in.</summary>
    private readonly TaskStruct _task;

    /// <summary>Address of each mapping.</summary>
    private readonly ulong[] _addresses;

    private SimLayout(TaskStruct task, TargetLayout layout, ulong[] addresses)
    {
        _task = task;
        Layout = layout;
        _addresses = addresses;
    }

    /// <summary>The layout.</summary>
    public TargetLayout Layout { get; }

    /// <summary>Where each mapping starts.</summary>
    public IReadOnlyList<ulong> Addresses => _addresses;

    /// <summary>Maps <paramref name="layout"/> in <paramref name="task"/>, locks the locked mapping and touches everything.</summary>
    /// <exception cref="InvalidOperationException">A simulated call failed (the kernel is too small for the layout).</exception>
    public static SimLayout Build(TaskStruct task, TargetLayout layout)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(layout);
        var @base = (ulong)Check(Sys.Mmap(task, 0, layout.SpanBytes, Prot.PROT_NONE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_NORESERVE, -1, 0), "mmap reservation");
        var fd = Check(Sys.CreateFile(task, layout.FileBytes, Fill, memfd: false), "create backing file");
        var addresses = new ulong[layout.Mappings.Count];
        var at = @base;
        for (var i = 0; i < layout.Mappings.Count; i++)
        {
            var m = layout.Mappings[i];
            addresses[i] = at;
            var (prot, flags, file) = m.Kind switch
            {
                MappingKind.Anon or MappingKind.Locked => (Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1L),
                MappingKind.SharedAnon => (Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_SHARED | MapFlags.MAP_ANONYMOUS, -1L),
                MappingKind.FileReadOnly => (Prot.PROT_READ, MapFlags.MAP_PRIVATE, fd),
                MappingKind.FileWritable => (Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE, fd),
                _ => (-1, 0, -1L),
            };
            if (prot >= 0)
            {
                Check(Sys.Mmap(task, at, m.Bytes, (ulong)prot, (ulong)(flags | MapFlags.MAP_FIXED), file, m.FileOffset), "mmap " + m.Kind);
            }

            Check(Sys.Munmap(task, at + m.Bytes, Page), "munmap hole");
            at += m.Bytes + Page;
        }

        Check(Sys.Close(task, fd), "close backing file");
        var built = new SimLayout(task, layout, addresses);
        built.Touch();
        for (var i = 0; i < addresses.Length; i++)
        {
            if (layout.Mappings[i].Kind == MappingKind.Locked)
            {
                Check(Sys.Mlock(task, addresses[i], layout.Mappings[i].Bytes), "mlock");
            }
        }

        return built;
    }

    /// <summary>Touches every mapping again as when it was built, faulting back what compaction paged out.</summary>
    /// <exception cref="InvalidOperationException">A store or load faulted (the task exited).</exception>
    public void Touch()
    {
        var mm = _task.Mm ?? throw new InvalidOperationException("the simulated target exited");
        Span<byte> one = stackalloc byte[1];
        for (var i = 0; i < _addresses.Length; i++)
        {
            var m = Layout.Mappings[i];
            for (ulong offset = 0; offset < m.TouchedBytes; offset += Page)
            {
                var done = m.Kind == MappingKind.FileReadOnly
                    ? mm.ReadUser(_addresses[i] + offset, one)
                    : mm.FillUser(_addresses[i] + offset, 1, Fill);
                if (done != 1)
                {
                    throw new InvalidOperationException($"touching {m.Kind} at {_addresses[i] + offset:x} faulted");
                }
            }
        }
    }

    private static long Check(long result, string what) =>
        result >= 0 ? result : throw new InvalidOperationException($"simulated {what} failed: {Errno.Format(result)}");
}
