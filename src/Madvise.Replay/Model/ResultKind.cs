namespace Madvise.Replay.Model;

/// <summary>How a call's result was logged.</summary>
public enum ResultKind : byte
{
    /// <summary>A value: an address, a count, a descriptor, 0.</summary>
    Value,

    /// <summary><c>-1 ENAME (text)</c>: <see cref="TraceEvent.Errno"/> holds the number.</summary>
    Error,

    /// <summary><c>= ?</c>: the call did not return (exit, a successful execve's old image, a thread that died in the call), or an ERESTART* interruption.</summary>
    Unknown,

    /// <summary>No result line: the call was still in flight when the log ended or strace detached.</summary>
    Missing,
}
