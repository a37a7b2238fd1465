namespace Madvise.Measurement.Workloads;

/// <summary>The memory limit of one cgroup.</summary>
/// <param name="Path">The cgroup (<c>/user.slice/...</c>).</param>
/// <param name="LimitFile"><c>memory.max</c> or <c>memory.limit_in_bytes</c>.</param>
/// <param name="Limit">The limit in bytes.</param>
/// <param name="Usage">Bytes charged to it now.</param>
public sealed record CgroupLimit(string Path, string LimitFile, ulong Limit, ulong Usage)
{
    /// <summary>Bytes that may still be charged.</summary>
    public ulong Room => Limit > Usage ? Limit - Usage : 0;
}
