namespace Madvise.Scenarios.Host;

/// <summary>
/// The protocol between the host target (in the process of task <c>self</c>) and an agent
/// (a <c>madv agent</c> process that is one scenario task).
/// </summary>
/// <remarks>
/// <para>
/// Transport: one AF_UNIX stream socket. The target creates a socket pair and starts the agent
/// with one end as both its standard input and standard output; standard error is inherited.
/// Descriptors (files, pidfds) travel as SCM_RIGHTS ancillary data attached to the first byte
/// of a frame.
/// </para>
/// <para>
/// Frame: <c>u32 length</c>, then <c>length</c> payload bytes. All integers are little-endian;
/// a string is <c>u32 byteCount</c> then UTF-8.
/// </para>
/// <para>
/// Start: the agent sends one frame <c>i32 pid</c> once it is pinned
/// and ready. Then the target sends requests and the agent answers each with one reply, in
/// order; one request is in flight at a time.
/// </para>
/// <para>
/// Request payload: <c>u8 op</c>, <c>u8 n</c>, <c>n × i32 descriptorId</c> (the ids of the n
/// descriptors attached to this frame, in order; the agent keeps them), then the operation's
/// request fields. <c>op</c> is the operation's number in <see cref="HostOperations"/>, whose
/// classes (<see cref="HostOperation"/>) list their fields; op 0 (<see cref="HostOperations.Exit"/>)
/// has none, and the agent exits without replying.
/// </para>
/// <para>
/// Reply payload: <c>i64 result</c> (a value, a negative errno, or
/// <see cref="TargetResult.NotSupported"/> followed by <c>string reason</c>), then the
/// operation's reply fields when the result is &gt;= 0.
/// </para>
/// <para>
/// The agent exits when it reads end-of-file (the target closed its end or died), and the
/// kernel kills it (PR_SET_PDEATHSIG) when the target's step thread ends.
/// </para>
/// </remarks>
internal static class AgentProtocol
{
    /// <summary>Largest frame either side accepts (a read of scattered bytes can produce long run lists).</summary>
    public const int MaxFrame = 1 << 30;
}
