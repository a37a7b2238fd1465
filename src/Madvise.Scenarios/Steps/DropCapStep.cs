namespace Madvise.Scenarios.Steps;

/// <summary><c>dropcap TASK CAP</c>: the task loses one capability from every set.</summary>
/// <param name="Target">The task whose capability is dropped.</param>
/// <param name="Capability">The capability number (0..63).</param>
/// <param name="CapabilityText">The capability as printed: its <c>CAP_*</c> name in upper case, or the number as written.</param>
public sealed record DropCapStep(string Target, int Capability, string CapabilityText) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "dropcap";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        parser.CheckArgumentCount(tokens, 2, 2);
        var target = parser.ParseTask(tokens[1]);
        var (capability, capabilityText) = parser.ParseCapability(tokens[2]);
        return new DropCapStep(target, capability, capabilityText) { Text = $"dropcap {target} {capabilityText}" };
    }

    /// <inheritdoc/>
    internal override string Execute(ScenarioRunner runner) => runner.WithTarget(Target, this, task => task.DropCapability(Capability));
}
