using System.Globalization;
using System.Text;
using Madvise.Abi;

namespace Madvise.Host;

/// <summary>
/// What the running kernel is and supports, found out at run time: release, process_madvise
/// and its behaviours, the PIDFD_SELF sentinels, swap, THP mode.
/// </summary>
/// <remarks>
/// Probes never touch memory: behaviour probes advise page 0, which no process maps
/// (vm.mmap_min_addr keeps it free), so an accepted behaviour answers ENOMEM (no VMA) or EFAULT
/// (HWPOISON / SOFT_OFFLINE cannot look the page up) and a rejected one EINVAL.
/// </remarks>
public static unsafe class HostKernel
{
    /// <summary>Kernel release and machine, read once.</summary>
    private static readonly Lazy<(string Release, string Machine)> Uname = new(ReadUname);

    /// <summary>Kernel release as uname(2) reports it, e.g. <c>6.18.2</c>.</summary>
    public static string Release => Uname.Value.Release;

    /// <summary>Hardware name, e.g. <c>x86_64</c>.</summary>
    public static string Machine => Uname.Value.Machine;

    /// <summary>The leading <c>major.minor.patch</c> numbers of <see cref="Release"/>.</summary>
    public static Version Version => ParseRelease(Release);

    /// <summary>The numeric prefix of a release string (<c>6.18.44-fc-v657</c> → 6.18.44).</summary>
    public static Version ParseRelease(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        Span<int> parts = stackalloc int[3];
        var count = 0;
        var value = 0;
        var digits = false;
        foreach (var c in release)
        {
            if (c is >= '0' and <= '9')
            {
                value = (value * 10) + (c - '0');
                digits = true;
                continue;
            }

            if (!digits)
            {
                break;
            }

            parts[count++] = value;
            value = 0;
            digits = false;
            if (c != '.' || count == 3)
            {
                break;
            }
        }

        if (digits && count < 3)
        {
            parts[count++] = value;
        }

        return count switch
        {
            0 => new Version(0, 0),
            1 => new Version(parts[0], 0),
            2 => new Version(parts[0], parts[1]),
            _ => new Version(parts[0], parts[1], parts[2]),
        };
    }

    /// <summary>
    /// madvise(0, 0, <paramref name="advice"/>): 0 when this kernel knows the behaviour (a
    /// zero-length call only validates it), else the errno (EINVAL).
    /// </summary>
    public static int ProbeMadvise(MemoryAdvice advice) => (int)-Math.Min(0, HostSyscalls.Madvise(0, 0, advice));

    /// <summary>True when madvise(2) accepts <paramref name="advice"/> on this kernel.</summary>
    public static bool MadviseAccepts(MemoryAdvice advice) => ProbeMadvise(advice) == 0;

    /// <summary>
    /// Whether process_madvise(2) exists and is allowed: 0, or ENOSYS (no such call) / EPERM
    /// (seccomp) / another errno. Probed with a bad pidfd and an empty vector.
    /// </summary>
    public static int ProbeProcessMadviseAvailable()
    {
        var r = HostSyscalls.ProcessMadvise(-1, 0, 0, MemoryAdvice.MADV_COLD, 0);
        return r == -Errno.EBADF ? 0 : (int)-Math.Min(0, r);
    }

    /// <summary>True when the process_madvise(2) system call is usable.</summary>
    public static bool ProcessMadviseAvailable => ProbeProcessMadviseAvailable() == 0;

    /// <summary>
    /// process_madvise(2) on a pidfd of this process with one page at address 0: 0 when the
    /// behaviour is accepted for the own process (Linux 6.13+ accepts all; 5.10–6.12 only the
    /// remote subset), else the errno (EINVAL, ENOSYS, EPERM ...).
    /// </summary>
    public static int ProbeProcessMadvise(MemoryAdvice advice)
    {
        var fd = HostSyscalls.PidfdOpen(HostSyscalls.GetPid(), 0);
        if (fd < 0)
        {
            return (int)-fd;
        }

        try
        {
            ReadOnlySpan<IoVec> page0 = [new IoVec(0, PageSize.PAGE_SIZE)];
            var r = HostSyscalls.ProcessMadvise(fd, page0, advice, 0);
            return r is >= 0 or -Errno.ENOMEM or -Errno.EFAULT ? 0 : (int)-r;
        }
        finally
        {
            HostSyscalls.Close((int)fd);
        }
    }

    /// <summary>True when process_madvise(2) on the own process accepts <paramref name="advice"/>.</summary>
    public static bool ProcessMadviseAccepts(MemoryAdvice advice) => ProbeProcessMadvise(advice) == 0;

    /// <summary>
    /// True when process_madvise accepts the PIDFD_SELF sentinels (Linux 6.15+). Probed with
    /// PIDFD_SELF_THREAD_GROUP and a zero-length range, which resolves the pidfd and advises nothing.
    /// </summary>
    public static bool PidfdSelfSupported
    {
        get
        {
            ReadOnlySpan<IoVec> empty = [new IoVec(0, 0)];
            return HostSyscalls.ProcessMadvise(PidfdConstants.PIDFD_SELF_THREAD_GROUP, empty, MemoryAdvice.MADV_COLD, 0) >= 0;
        }
    }

    /// <summary>The highest user address plus one that system calls accept, probed once.</summary>
    private static readonly Lazy<ulong> AddressLimit = new(ProbeUserAddressLimit);

    /// <summary>
    /// The user address limit (TASK_SIZE_MAX): 0x7FFFFFFFF000 with 4-level paging,
    /// 0xFFFFFFFFFFF000 with 5-level paging. Ranges ending above it fail access_ok() (an iovec
    /// import answers EFAULT).
    /// </summary>
    public static ulong UserAddressLimit => AddressLimit.Value;

    /// <summary>Total size of the active swap areas in KiB (/proc/swaps); 0 without swap.</summary>
    public static ulong SwapTotalKiB()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/swaps");
        }
        catch (IOException)
        {
            return 0;
        }

        ulong total = 0;
        for (var i = 1; i < lines.Length; i++)
        {
            var fields = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3 && ulong.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
            {
                total += kib;
            }
        }

        return total;
    }

    /// <summary>
    /// The selected transparent huge page mode (<c>always</c>, <c>madvise</c>, <c>never</c>):
    /// the bracketed word of /sys/kernel/mm/transparent_hugepage/enabled, <c>never</c> when absent.
    /// </summary>
    public static string TransparentHugepageMode()
    {
        string text;
        try
        {
            text = File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled");
        }
        catch (IOException)
        {
            return "never";
        }
        catch (UnauthorizedAccessException)
        {
            return "never";
        }

        var open = text.IndexOf('[', StringComparison.Ordinal);
        var close = open < 0 ? -1 : text.IndexOf(']', open);
        return close > open + 1 ? text[(open + 1)..close] : "never";
    }

    /// <summary>
    /// With 5-level paging the kernel maps above 2^47 when asked to by address; with 4 levels
    /// such a request fails. The probe page is unmapped at once.
    /// </summary>
    private static ulong ProbeUserAddressLimit()
    {
        const ulong Above47Bits = 1UL << 48;
        var r = HostSyscalls.Mmap(Above47Bits, PageSize.PAGE_SIZE, Prot.PROT_NONE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED_NOREPLACE, -1, 0);
        if (r < 0)
        {
            return PageSize.TASK_SIZE;
        }

        HostSyscalls.Munmap((ulong)r, PageSize.PAGE_SIZE);
        return (1UL << 56) - PageSize.PAGE_SIZE;
    }

    private static (string Release, string Machine) ReadUname()
    {
        Interop.Utsname u;
        if (Interop.Libc.Uname(&u) != 0)
        {
            return ("0", "unknown");
        }

        return (ZeroTerminated(u.Release), ZeroTerminated(u.Machine));
    }

    private static string ZeroTerminated(Interop.UtsField field)
    {
        ReadOnlySpan<byte> bytes = field;
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
