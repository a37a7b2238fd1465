using Madvise.Scenarios.Host;

namespace Madvise.Cli.Compact;

/// <summary>The command that runs this madv again (for <c>madv compact-target</c> children).</summary>
internal static class MadvExecutable
{
    /// <summary>The running madv apphost, or dotnet exec madv.dll next to the running assemblies; null when neither is found.</summary>
    public static IReadOnlyList<string>? Locate() => AgentLauncher.Locate();
}
