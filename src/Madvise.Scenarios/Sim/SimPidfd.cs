namespace Madvise.Scenarios.Sim;

/// <summary>A pidfd created by a <c>pidfd</c> step on the sim target: the owner's descriptor.</summary>
internal sealed record SimPidfd(string Name, SimTask Owner, long Fd) : ITargetPidfd
{
    ITargetTask ITargetPidfd.Owner => Owner;
}
