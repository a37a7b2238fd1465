namespace Madvise.Scenarios.Steps;

/// <summary><c>config KEY=VALUE ...</c>: kernel configuration; only before every other step.</summary>
/// <param name="Config">The keys given (null for keys not given).</param>
public sealed record ConfigStep(ScenarioConfig Config) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "config";
}
