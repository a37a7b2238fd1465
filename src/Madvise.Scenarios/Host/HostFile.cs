namespace Madvise.Scenarios.Host;

/// <summary>A file or memfd created by a <c>file</c> step.</summary>
internal sealed class HostFile(int id, string name, ITargetTask owner) : HostDescriptor(id, name, owner), ITargetFile;
