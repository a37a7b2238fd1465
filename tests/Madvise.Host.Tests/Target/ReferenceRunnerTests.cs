using Madvise.Host.Tests.Shared;

namespace Madvise.Host.Tests.Target;

/// <summary>
/// Every expectation of <see cref="HostScripts"/> is what the Python reference runner
/// (scnhost.py) prints on this kernel, so the scripts test our target against Linux.
/// </summary>
public sealed class ReferenceRunnerTests
{
    /// <summary>scnhost.py runs the script's .scn text with no mismatch.</summary>
    [ReferenceRunnerTheory]
    [MemberData(nameof(HostScripts.Names), MemberType = typeof(HostScripts))]
    public void ReferenceRunnerAgrees(string name)
    {
        var (exitCode, output) = ReferenceRunnerScript.Run(HostScripts.All[name]().ScnText);
        Assert.True(exitCode == 0, $"scnhost.py exited {exitCode}:\n{output}");
        Assert.Contains(" 0 mismatches", output, StringComparison.Ordinal);
    }
}
