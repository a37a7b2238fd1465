namespace Madvise.Scenarios;

/// <summary>One blank-separated token of a scenario line.</summary>
/// <param name="Text">The token as written.</param>
/// <param name="Column">1-based column of its first character.</param>
internal readonly record struct ScenarioToken(string Text, int Column);
