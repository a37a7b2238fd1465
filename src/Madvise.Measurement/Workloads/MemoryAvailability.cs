using System.Globalization;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// How much memory this process may still take: the kernel's estimate of memory available
/// without swapping (<c>MemAvailable</c> in /proc/meminfo) and the room left under the memory
/// limit of every cgroup the process is in, from its own up to the root.
/// </summary>
/// <remarks>
/// cgroup v2: <c>memory.max</c> minus <c>memory.current</c> of each level under the cgroup2
/// mount (<c>max</c> is no limit). cgroup v1 (the <c>memory</c> controller's hierarchy):
/// <c>memory.limit_in_bytes</c> minus <c>memory.usage_in_bytes</c>, a limit at or above 2^62
/// meaning none (the kernel shows "no limit" as 2^63 rounded down to a page). Mount points
/// come from /proc/self/mountinfo, the process's cgroups from /proc/self/cgroup. Whatever
/// cannot be read is left out: an unknown limit never refuses a run.
/// </remarks>
public sealed class MemoryAvailability
{
    /// <summary>A v1 limit at or above this is "no limit".</summary>
    private const ulong V1Unlimited = 1UL << 62;

    private MemoryAvailability(ulong? memAvailable, IReadOnlyList<CgroupLimit> cgroups)
    {
        MemAvailable = memAvailable;
        Cgroups = cgroups;
    }

    /// <summary>MemAvailable in bytes, or null when /proc/meminfo cannot be read.</summary>
    public ulong? MemAvailable { get; }

    /// <summary>The memory limits of the process's cgroups that have one, innermost first.</summary>
    public IReadOnlyList<CgroupLimit> Cgroups { get; }

    /// <summary>The least of MemAvailable and every cgroup's room; null when nothing is known.</summary>
    public ulong? Available
    {
        get
        {
            var least = MemAvailable;
            foreach (var c in Cgroups)
            {
                least = least is { } l ? Math.Min(l, c.Room) : c.Room;
            }

            return least;
        }
    }

    /// <summary>Reads this machine's figures now.</summary>
    public static MemoryAvailability Current() => Read(static path =>
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    });

    /// <summary>Reads the figures through <paramref name="readFile"/> (path → contents, null when unreadable).</summary>
    public static MemoryAvailability Read(Func<string, string?> readFile)
    {
        var meminfo = readFile("/proc/meminfo");
        var cgroups = new List<CgroupLimit>();
        var mounts = readFile("/proc/self/mountinfo");
        var membership = readFile("/proc/self/cgroup");
        if (mounts is not null && membership is not null)
        {
            foreach (var line in membership.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                // hierarchy-ID:controller-list:cgroup-path
                var parts = line.Split(':', 3);
                if (parts.Length != 3)
                {
                    continue;
                }

                if (parts[0] == "0" && parts[1].Length == 0)
                {
                    AddLevels(readFile, FindMount(mounts, v2: true), parts[2], "memory.max", "memory.current", 0, cgroups);
                }
                else if (parts[1].Split(',').Contains("memory"))
                {
                    AddLevels(readFile, FindMount(mounts, v2: false), parts[2], "memory.limit_in_bytes", "memory.usage_in_bytes", V1Unlimited, cgroups);
                }
            }
        }

        return new MemoryAvailability(ReadMemAvailable(meminfo), cgroups);
    }

    /// <summary>One line for a message: <c>MemAvailable 21.9 GiB; cgroup /a memory.max 4.0 GiB (1.2 GiB in use)</c>.</summary>
    public string Describe()
    {
        var parts = new List<string> { MemAvailable is { } m ? "MemAvailable " + Gib(m) : "MemAvailable unknown" };
        foreach (var c in Cgroups)
        {
            parts.Add($"cgroup {c.Path} {c.LimitFile} {Gib(c.Limit)} ({Gib(c.Usage)} in use)");
        }

        if (Cgroups.Count == 0)
        {
            parts.Add("no cgroup memory limit");
        }

        return string.Join("; ", parts);
    }

    /// <summary>Bytes in GiB with one decimal.</summary>
    public static string Gib(ulong bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1UL << 30):0.0} GiB");

    private static ulong? ReadMemAvailable(string? meminfo)
    {
        foreach (var line in (meminfo ?? "").Split('\n'))
        {
            // "MemAvailable:   23018412 kB"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is ["MemAvailable:", var kb, "kB"] && ulong.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value * 1024;
            }
        }

        return null;
    }

    /// <summary>The mount point and mounted root of the cgroup2 hierarchy, or of the v1 hierarchy with the memory controller.</summary>
    private static (string Point, string Root)? FindMount(string mountinfo, bool v2)
    {
        foreach (var line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || dash < 0 || dash + 3 >= fields.Length)
            {
                continue;
            }

            var type = fields[dash + 1];
            if (v2 ? type == "cgroup2" : type == "cgroup" && fields[dash + 3].Split(',').Contains("memory"))
            {
                return (Unescape(fields[4]), Unescape(fields[3]));
            }
        }

        return null;
    }

    /// <summary>mountinfo writes space, tab, newline and backslash as \ooo.</summary>
    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);

    /// <summary>Adds the limit of the cgroup at <paramref name="path"/> and of each ancestor up to the mounted root.</summary>
    private static void AddLevels(Func<string, string?> readFile, (string Point, string Root)? mount, string path, string limitFile, string usageFile, ulong unlimitedFrom, List<CgroupLimit> into)
    {
        if (mount is not { } m)
        {
            return;
        }

        // A container often mounts its own cgroup as the hierarchy's root.
        var relative = m.Root != "/" && path.StartsWith(m.Root, StringComparison.Ordinal) ? path[m.Root.Length..] : path;
        var level = relative.TrimEnd('/');
        while (true)
        {
            var dir = m.Point.TrimEnd('/') + level;
            var limitText = readFile(dir + "/" + limitFile)?.Trim();
            var usageText = readFile(dir + "/" + usageFile)?.Trim();
            if (limitText is not null && limitText != "max" && usageText is not null &&
                ulong.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) &&
                ulong.TryParse(usageText, NumberStyles.None, CultureInfo.InvariantCulture, out var usage) &&
                (unlimitedFrom == 0 || limit < unlimitedFrom))
            {
                into.Add(new CgroupLimit(level.Length == 0 ? "/" : level, limitFile, limit, usage));
            }

            if (level.Length == 0)
            {
                return;
            }

            level = level[..level.LastIndexOf('/')];
        }
    }
}
