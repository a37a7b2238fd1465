namespace Madvise.Replay.Recording;

/// <summary>What <see cref="StraceRecorder"/> records.</summary>
public sealed record TraceRequest
{
    /// <summary>The log strace writes (<c>-o</c>).</summary>
    public required string LogPath { get; init; }

    /// <summary>The command to run under strace (program and arguments), or null with <see cref="Pid"/>.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>A running process to attach to (<c>-p</c>), or null with <see cref="Command"/>.</summary>
    public int? Pid { get; init; }

    /// <summary>Where /proc/PID/maps at the start goes, or null for none.</summary>
    public string? MapsPath { get; init; }

    /// <summary>
    /// How long strace holds each new process at its first mmap() (ld.so's first mapping, right
    /// after execve; a static program's runtime's first) so that the first process's maps can be
    /// read before it maps anything.
    /// Every process of the traced tree is held once (strace counts per process).
    /// </summary>
    public TimeSpan MapsDelay { get; init; } = TimeSpan.FromMilliseconds(100);
}
