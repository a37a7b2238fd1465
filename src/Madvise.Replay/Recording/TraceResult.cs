namespace Madvise.Replay.Recording;

/// <summary>How a recording went.</summary>
/// <param name="ExitCode">strace's exit status (the traced command's, when strace ran it).</param>
/// <param name="MapsPath">The maps file written, or null.</param>
/// <param name="Mappings">Lines in it.</param>
/// <param name="MapsProblem">Why no maps file was written, or null.</param>
public sealed record TraceResult(int ExitCode, string? MapsPath, int Mappings, string? MapsProblem);
