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
/// descriptors attached to this frame, in order; the agent keeps them), then the fields of
/// the op below.
/// </para>
/// <para>
/// Reply payload: <c>i64 result</c> (a value, a negative errno, or
/// <see cref="TargetResult.NotSupported"/> followed by <c>string reason</c>), then the op's
/// reply fields, present only when the result is not NotSupported.
/// </para>
/// <list type="table">
/// <listheader><term>op</term><description>request fields → reply fields</description></listheader>
/// <item><term><see cref="Mmap"/></term><description>u64 addr, u64 len, i32 prot, i32 flags, i32 fileId (-1: none), u64 off → u64 mapped</description></item>
/// <item><term><see cref="Munmap"/>, <see cref="Mlock"/>, <see cref="Munlock"/></term><description>u64 addr, u64 len</description></item>
/// <item><term><see cref="Mprotect"/></term><description>u64 addr, u64 len, i32 prot</description></item>
/// <item><term><see cref="Madvise"/></term><description>u64 addr, u64 len, i32 behaviour</description></item>
/// <item><term><see cref="ProcessMadvise"/></term><description>u8 pidfdKind (<see cref="PidfdKind"/>), i64 value, u8 vectorKind (0 list, 1 seq, 2 badptr), [list: u32 n, n × (u64 base, u64 len) | seq: u64 start, u64 len, u64 stride, u64 count | badptr: u64 count], i32 behaviour, u64 flags</description></item>
/// <item><term><see cref="CreateFile"/></term><description>i32 id, u64 len, u8 fill, u8 memfd, string name</description></item>
/// <item><term><see cref="OpenPidfd"/></term><description>i32 id, i32 pid</description></item>
/// <item><term><see cref="Write"/></term><description>u64 addr, u64 len, u8 value</description></item>
/// <item><term><see cref="Read"/></term><description>u64 addr, u64 len → string runs (the canonical <c>ab*4096,00*8192</c> form)</description></item>
/// <item><term><see cref="Mincore"/></term><description>u64 addr, u64 len, u32 vecLength → u32 n, n bytes (also after -EFAULT: the vector's writable part was filled)</description></item>
/// <item><term><see cref="Vmas"/></term><description>u64 addr, u64 len → u32 n, n × (u64 start, u64 end, string perms, u8 k, k × string flag)</description></item>
/// <item><term><see cref="SetUid"/></term><description>u32 uid</description></item>
/// <item><term><see cref="DropCapability"/></term><description>i32 capability</description></item>
/// <item><term><see cref="GetDescriptor"/></term><description>i32 id → (result 0: the descriptor attached to the reply frame; -EBADF: not held)</description></item>
/// <item><term><see cref="Exit"/></term><description>none; the agent exits without replying</description></item>
/// </list>
/// <para>
/// The agent exits when it reads end-of-file (the target closed its end or died), and the
/// kernel kills it (PR_SET_PDEATHSIG) when the target's step thread ends.
/// </para>
/// </remarks>
internal static class AgentProtocol
{
    /// <summary>mmap(2).</summary>
    public const byte Mmap = 1;

    /// <summary>munmap(2).</summary>
    public const byte Munmap = 2;

    /// <summary>mprotect(2).</summary>
    public const byte Mprotect = 3;

    /// <summary>mlock(2).</summary>
    public const byte Mlock = 4;

    /// <summary>munlock(2).</summary>
    public const byte Munlock = 5;

    /// <summary>madvise(2).</summary>
    public const byte Madvise = 6;

    /// <summary>process_madvise(2).</summary>
    public const byte ProcessMadvise = 7;

    /// <summary>The <c>file</c> step.</summary>
    public const byte CreateFile = 8;

    /// <summary>pidfd_open(2).</summary>
    public const byte OpenPidfd = 9;

    /// <summary>The <c>write</c> step.</summary>
    public const byte Write = 10;

    /// <summary>The <c>read</c> step.</summary>
    public const byte Read = 11;

    /// <summary>mincore(2).</summary>
    public const byte Mincore = 12;

    /// <summary>The <c>vmas</c> step.</summary>
    public const byte Vmas = 13;

    /// <summary>The <c>setuid</c> step.</summary>
    public const byte SetUid = 14;

    /// <summary>The <c>dropcap</c> step.</summary>
    public const byte DropCapability = 15;

    /// <summary>Send a held descriptor to the target (SCM_RIGHTS).</summary>
    public const byte GetDescriptor = 16;

    /// <summary>The <c>exit</c> step.</summary>
    public const byte Exit = 17;

    /// <summary>Vector kind <c>[...]</c>.</summary>
    public const byte VectorList = 0;

    /// <summary>Vector kind <c>seq(...)</c>.</summary>
    public const byte VectorSeq = 1;

    /// <summary>Vector kind <c>badptr(...)</c>.</summary>
    public const byte VectorBadPointer = 2;

    /// <summary>Largest frame either side accepts (a read of scattered bytes can produce long run lists).</summary>
    public const int MaxFrame = 1 << 30;
}
