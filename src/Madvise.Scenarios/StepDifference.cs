using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios;

/// <summary>A step whose results differ between two targets.</summary>
/// <param name="Step">The step.</param>
/// <param name="First">Its result on the first target.</param>
/// <param name="Second">Its result on the second target.</param>
public sealed record StepDifference(Step Step, string First, string Second);
