namespace Madvise.Scenarios.Sim;

/// <summary>A file created by a <c>file</c> step on the sim target: the owner's descriptor.</summary>
internal sealed record SimFile(string Name, SimTask Owner, long Fd) : ITargetFile
{
    ITargetTask ITargetFile.Owner => Owner;
}
