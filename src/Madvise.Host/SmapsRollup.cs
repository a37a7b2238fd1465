namespace Madvise.Host;

/// <summary>
/// The memory counters of one process from /proc/PID/smaps_rollup, in KiB: the sums of the
/// per-mapping counters of /proc/PID/smaps (Linux: fs/proc/task_mmu.c show_smaps_rollup()).
/// </summary>
/// <param name="Rss">Resident pages mapped by the process (anonymous, file and shmem).</param>
/// <param name="Pss">Proportional set size: each page divided by the number of processes mapping it.</param>
/// <param name="Anonymous">Resident anonymous pages (including copies-on-write in private file mappings).</param>
/// <param name="LazyFree">Anonymous pages freed by MADV_FREE that reclaim may discard.</param>
/// <param name="Swap">Anonymous pages swapped out (and swapped shmem of the process's shared mappings).</param>
/// <param name="Locked">Resident pages of mlocked mappings.</param>
public sealed record SmapsRollup(long Rss, long Pss, long Anonymous, long LazyFree, long Swap, long Locked)
{
    /// <summary>Resident pages that are not anonymous: page cache of files and shmem (Rss − Anonymous).</summary>
    public long FileAndShmem => Math.Max(0, Rss - Anonymous);

    /// <summary>
    /// Reads /proc/<paramref name="pid"/>/smaps_rollup. Reading it takes the target's mmap_lock
    /// for reading while the kernel walks every mapping's page tables.
    /// </summary>
    /// <returns>True with the counters; false with <paramref name="errno"/> (ENOENT or ESRCH: no such
    /// process; EACCES: no PTRACE_MODE_READ access to it).</returns>
    public static bool TryRead(int pid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SmapsRollup? rollup, out int errno)
    {
        rollup = null;
        try
        {
            using var reader = new StreamReader("/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/smaps_rollup");
            rollup = Parse(reader);
            errno = 0;
            return true;
        }
        catch (FileNotFoundException)
        {
            errno = Errno.ESRCH;
        }
        catch (DirectoryNotFoundException)
        {
            errno = Errno.ESRCH;
        }
        catch (UnauthorizedAccessException)
        {
            errno = Errno.EACCES;
        }
        catch (IOException ex)
        {
            // A process that exits while its file is read answers ESRCH to read(2).
            errno = ex.HResult is > 0 and < 4096 ? ex.HResult : Errno.ESRCH;
        }

        return false;
    }

    /// <summary>
    /// Parses smaps_rollup text: a header line (<c>START-END ---p 00000000 00:00 0 [rollup]</c>),
    /// then <c>Key:   N kB</c> lines. Keys that are missing count as 0 and unknown keys are ignored
    /// (kernels add keys over time).
    /// </summary>
    /// <exception cref="FormatException">A known key has no number of kB.</exception>
    public static SmapsRollup Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        long rss = 0, pss = 0, anonymous = 0, lazyFree = 0, swap = 0, locked = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            switch (line.AsSpan(0, colon))
            {
                case "Rss": rss = ParseKiB(line, colon); break;
                case "Pss": pss = ParseKiB(line, colon); break;
                case "Anonymous": anonymous = ParseKiB(line, colon); break;
                case "LazyFree": lazyFree = ParseKiB(line, colon); break;
                case "Swap": swap = ParseKiB(line, colon); break;
                case "Locked": locked = ParseKiB(line, colon); break;
                default: break;
            }
        }

        return new SmapsRollup(rss, pss, anonymous, lazyFree, swap, locked);
    }

    private static long ParseKiB(string line, int colon)
    {
        var value = line.AsSpan(colon + 1).Trim();
        if (value.EndsWith("kB", StringComparison.Ordinal))
        {
            value = value[..^2].TrimEnd();
        }

        return long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var kib)
            ? kib
            : throw new FormatException($"Malformed smaps_rollup line: '{line}'.");
    }
}
