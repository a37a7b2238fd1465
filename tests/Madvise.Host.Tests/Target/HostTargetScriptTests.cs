using Madvise.Host.Tests.Shared;
using Madvise.Scenarios.Host;

namespace Madvise.Host.Tests.Target;

/// <summary>Our host target gives Linux's answer on every step of <see cref="HostScripts"/>.</summary>
public sealed class HostTargetScriptTests
{
    /// <summary>Runs one script on a fresh target.</summary>
    [RootAgentTheory]
    [MemberData(nameof(HostScripts.Names), MemberType = typeof(HostScripts))]
    public void HostTargetAgrees(string name)
    {
        using var target = new HostScenarioTarget();
        HostScripts.All[name]().RunOn(target);
    }
}
