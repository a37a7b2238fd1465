namespace Madvise.Scenarios.Steps;

/// <summary><c>dropcap TASK CAP</c>: the task loses one capability from every set.</summary>
/// <param name="Target">The task whose capability is dropped.</param>
/// <param name="Capability">The capability number (0..63).</param>
/// <param name="CapabilityText">The capability as printed: its <c>CAP_*</c> name in upper case, or the number as written.</param>
public sealed record DropCapStep(string Target, int Capability, string CapabilityText) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "dropcap";
}
