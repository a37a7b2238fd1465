namespace Madvise.Scenarios.Host;

/// <summary>A pidfd created by a <c>pidfd</c> step.</summary>
internal sealed class HostPidfd(int id, ITargetTask owner, ITargetTask target)
    : HostDescriptor(id, "pidfd(" + target.Name + ")", owner), ITargetPidfd
{
    /// <summary>The task the pidfd names.</summary>
    public ITargetTask Target { get; } = target;
}
