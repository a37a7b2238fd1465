namespace Madvise.Scenarios.Host;

/// <summary>A <c>pmadvise</c> PIDFD argument as the executing task sees it.</summary>
/// <param name="Kind">Which form.</param>
/// <param name="Value">The raw number, or the descriptor id.</param>
internal readonly record struct PidfdReference(PidfdKind Kind, long Value);
