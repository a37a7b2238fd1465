using Madvise.Host;
using Microsoft.Win32.SafeHandles;

namespace Madvise.Compaction.Layout;

/// <summary>
/// A <see cref="TargetLayout"/> mapped in the calling process: one PROT_NONE reservation spanning
/// it, each mapping placed inside with MAP_FIXED in order, a one-page hole unmapped after each so
/// that no two neighbours merge. File mappings share one temporary file, unlinked once mapped.
/// </summary>
public sealed unsafe class HostLayout : IDisposable
{
    /// <summary>Bytes per page.</summary>
    private const int Page = (int)PageSize.PAGE_SIZE;

    /// <summary>Start of the reservation.</summary>
    private readonly nint _base;

    /// <summary>Address of each mapping.</summary>
    private readonly nint[] _addresses;

    private HostLayout(TargetLayout layout, nint @base, nint[] addresses)
    {
        Layout = layout;
        _base = @base;
        _addresses = addresses;
    }

    /// <summary>The layout.</summary>
    public TargetLayout Layout { get; }

    /// <summary>Mappings that could not be locked (RLIMIT_MEMLOCK): they stay plain anonymous memory.</summary>
    public int LockFailures { get; private set; }

    /// <summary>Maps <paramref name="layout"/> and touches it; the backing file is created in <paramref name="directory"/> (default: the temp directory).</summary>
    /// <exception cref="MadviseException">A mapping failed.</exception>
    /// <exception cref="IOException">The backing file cannot be written.</exception>
    public static HostLayout Build(TargetLayout layout, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var @base = HostMemory.Mmap(0, (nuint)layout.SpanBytes, Prot.PROT_NONE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_NORESERVE);
        var addresses = new nint[layout.Mappings.Count];
        var path = Path.Combine(directory ?? Path.GetTempPath(), $"madv-compact-target-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var file = CreateFile(path, layout.FileBytes);
            var at = @base;
            for (var i = 0; i < layout.Mappings.Count; i++)
            {
                var m = layout.Mappings[i];
                addresses[i] = at;
                Map(at, m, file);
                HostMemory.Munmap(at + (nint)m.Bytes, Page);
                at += (nint)m.Bytes + Page;
            }
        }
        catch
        {
            HostMemory.TryMunmap(@base, (nuint)layout.SpanBytes, out _);
            throw;
        }
        finally
        {
            File.Delete(path);
        }

        var built = new HostLayout(layout, @base, addresses);
        built.LockAndTouch();
        return built;
    }

    /// <summary>
    /// Touches every mapping again as when it was built (writes anonymous, shared and writable
    /// file pages, reads read-only file pages), faulting back what compaction paged out.
    /// </summary>
    public void Touch()
    {
        Span<byte> page = stackalloc byte[Page];
        for (var i = 0; i < _addresses.Length; i++)
        {
            var m = Layout.Mappings[i];
            var p = (byte*)_addresses[i];
            for (ulong offset = 0; offset < m.TouchedBytes; offset += (ulong)Page)
            {
                if (m.Kind == MappingKind.FileReadOnly)
                {
                    _ = Volatile.Read(ref p[offset]);
                }
                else
                {
                    PageContent.Fill(page, ((ulong)_addresses[i] + offset) >> PageSize.PAGE_SHIFT);
                    page.CopyTo(new Span<byte>(p + offset, Page));
                }
            }
        }
    }

    /// <summary>Unmaps everything.</summary>
    public void Dispose() => HostMemory.TryMunmap(_base, (nuint)Layout.SpanBytes, out _);

    private void LockAndTouch()
    {
        Touch();
        for (var i = 0; i < _addresses.Length; i++)
        {
            if (Layout.Mappings[i].Kind == MappingKind.Locked && !HostMemory.TryMlock(_addresses[i], (nuint)Layout.Mappings[i].Bytes, out _))
            {
                LockFailures++;
            }
        }
    }

    private static void Map(nint at, MappingSpec m, SafeFileHandle file)
    {
        const int Fixed = MapFlags.MAP_FIXED;
        switch (m.Kind)
        {
            case MappingKind.Anon:
            case MappingKind.Locked:
                HostMemory.Mmap(at, (nuint)m.Bytes, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | Fixed);
                break;
            case MappingKind.SharedAnon:
                HostMemory.Mmap(at, (nuint)m.Bytes, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_SHARED | MapFlags.MAP_ANONYMOUS | Fixed);
                break;
            case MappingKind.FileReadOnly:
                HostMemory.Mmap(at, (nuint)m.Bytes, Prot.PROT_READ, MapFlags.MAP_PRIVATE | Fixed, file, (long)m.FileOffset);
                break;
            case MappingKind.FileWritable:
                HostMemory.Mmap(at, (nuint)m.Bytes, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | Fixed, file, (long)m.FileOffset);
                break;
            default:
                // Reserved: the reservation's own PROT_NONE pages, cut off by the holes around them.
                break;
        }
    }

    /// <summary>Creates the backing file with page content written through (so its pages are in the page cache, clean once synced).</summary>
    private static SafeFileHandle CreateFile(string path, ulong bytes)
    {
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        try
        {
            var chunk = new byte[64 * Page];
            for (ulong offset = 0; offset < bytes; offset += (ulong)chunk.Length)
            {
                var length = (int)Math.Min((ulong)chunk.Length, bytes - offset);
                for (var p = 0; p < length; p += Page)
                {
                    PageContent.Fill(chunk.AsSpan(p, Page), (offset + (ulong)p) >> PageSize.PAGE_SHIFT);
                }

                RandomAccess.Write(handle, chunk.AsSpan(0, length), (long)offset);
            }

            RandomAccess.FlushToDisk(handle);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
