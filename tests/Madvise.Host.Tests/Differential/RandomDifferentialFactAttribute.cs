using Madvise.Host.Tests.Shared;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;

namespace Madvise.Host.Tests.Differential;

/// <summary>
/// The random differential test: needs root and agents, and a host configured as the corpus's
/// reference (no swap, THP madvise, KSM and no memory-failure injection), since every generated
/// scenario starts with that <c>config</c> line and would otherwise print only SKIP(config).
/// </summary>
public sealed class RandomDifferentialFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the host cannot run the generated scenarios.</summary>
    public RandomDifferentialFactAttribute() =>
        Skip = HostRequirements.Root ?? HostRequirements.Agent ?? HostConfig.Compare(new ScenarioConfig(0, false, ThpMode.Madvise, true));
}
