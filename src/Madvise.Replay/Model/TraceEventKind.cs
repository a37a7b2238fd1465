namespace Madvise.Replay.Model;

/// <summary>What a <see cref="TraceEvent"/> reports.</summary>
public enum TraceEventKind : byte
{
    /// <summary>A system call with its arguments and, unless it never returned, its result (a complete line, or an unfinished line joined with its resumed line).</summary>
    Call,

    /// <summary>A call has started but its result comes on a later line (<c>&lt;unfinished ...&gt;</c>); the matching <see cref="Call"/> follows.</summary>
    CallStarted,

    /// <summary>A signal was delivered (<c>--- SIGCHLD {...} ---</c>).</summary>
    Signal,

    /// <summary>A thread exited (<c>+++ exited with N +++</c>).</summary>
    Exited,

    /// <summary>A process was killed by a signal (<c>+++ killed by SIGKILL +++</c>).</summary>
    Killed,

    /// <summary>A thread's execve replaced the thread-group leader (<c>+++ superseded by execve in pid N +++</c>).</summary>
    Superseded,

    /// <summary>A line the parser could not use; <see cref="TraceEvent.Problem"/> says why.</summary>
    Unusable,
}
