using System.Buffers.Binary;
using System.Text;
using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>
/// A forked task's process, which runs no .NET code (<see cref="NativeFork"/>): a fork server
/// that executes the system calls this object sends it, in its own address space, with its own
/// credentials and descriptors. Implements <see cref="ITaskSyscalls"/>, so a
/// <see cref="TaskExecutor"/> in this process runs the forked task's steps exactly as it runs
/// any other task's.
/// </summary>
/// <remarks>
/// <para>
/// Protocol (<c>madv-fork.c</c> has the same description): the server first sends a hello
/// (<c>i64 pid, u64 scratch, u64 scratchSize</c>); then each request is a 72-byte header
/// (<c>u32 op, u32 inLength, u32 outOffset, u32 outLength, i64 nr, u64 arg[6]</c>) followed
/// by <c>inLength</c> bytes the server copies to the start of its scratch buffer, and each
/// reply a 32-byte header (<c>i64 result, u32 outLength, u32 fdCount, i32 fd[4]</c>) followed
/// by <c>outLength</c> bytes of the scratch buffer from <c>outOffset</c>. System calls whose
/// arguments point to memory point into the scratch buffer: small structures at its start,
/// data from <see cref="DataOffset"/>.
/// </para>
/// <para>
/// Used on the host target's step thread only (one request in flight). When the server is
/// gone (it exited, was killed, or the socket broke) every call returns -ESRCH, as steps in an
/// exited agent do.
/// </para>
/// </remarks>
internal sealed class ForkServer : ITaskSyscalls, IDisposable
{
    /// <summary>Where data buffers start in the scratch buffer; below it, iovecs, capability structures and paths.</summary>
    private const int DataOffset = 4096;

    private const int RequestHeader = 72;
    private const int ReplyHeader = 32;
    private const int HelloSize = 24;
    private const int MaxReplyDescriptors = 4;

    private const uint OpSyscall = 1;
    private const uint OpTakeDescriptors = 2;
    private const uint OpGiveDescriptor = 3;
    private const uint OpFork = 4;
    private const uint OpExit = 5;
    private const uint OpRead = 6;

    // x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl); the library exists for x86-64 only.
    private const long NR_read = 0;
    private const long NR_write = 1;
    private const long NR_close = 3;
    private const long NR_mmap = 9;
    private const long NR_mprotect = 10;
    private const long NR_munmap = 11;
    private const long NR_mincore = 27;
    private const long NR_madvise = 28;
    private const long NR_fsync = 74;
    private const long NR_setgroups = 116;
    private const long NR_setresuid = 117;
    private const long NR_setresgid = 119;
    private const long NR_capget = 125;
    private const long NR_capset = 126;
    private const long NR_mlock = 149;
    private const long NR_munlock = 150;
    private const long NR_prctl = 157;
    private const long NR_openat = 257;
    private const long NR_unlinkat = 263;
    private const long NR_process_vm_readv = 310;
    private const long NR_process_vm_writev = 311;
    private const long NR_memfd_create = 319;
    private const long NR_pidfd_open = 434;
    private const long NR_process_madvise = 440;

    private const long AT_FDCWD = -100;
    private const ulong O_RDONLY = 0;
    private const ulong O_RDWR = 2;
    private const ulong O_CREAT = 0x40;
    private const ulong O_EXCL = 0x80;
    private const ulong O_CLOEXEC = 0x80000;
    private const ulong MFD_CLOEXEC = 1;
    private const ulong PR_SET_PDEATHSIG = 1;
    private const ulong PR_CAP_AMBIENT = 47;
    private const ulong PR_CAP_AMBIENT_LOWER = 3;
    private const ulong PR_CAP_AMBIENT_CLEAR_ALL = 4;
    private const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    /// <summary>The socket to the server; -1 once closed.</summary>
    private int _socket;

    /// <summary>A pidfd of the server: to wait for its exit and to kill it; kept after it exits so it stays a zombie until reaped.</summary>
    private readonly SafePidfdHandle _pidfd;

    /// <summary>Address of the server's scratch buffer.</summary>
    private readonly ulong _scratch;

    /// <summary>Request buffer: header, then the bytes for the scratch buffer.</summary>
    private readonly byte[] _request;

    /// <summary>Buffer for <see cref="ReadProcFile"/>, allocated on first use.</summary>
    private byte[]? _readBuffer;

    /// <summary>Set once the server is known to be gone.</summary>
    private bool _gone;

    /// <summary>Set once the process was reaped.</summary>
    private bool _reaped;

    /// <summary>Set by <see cref="Exit"/>: an end after it is no death.</summary>
    private bool _exitRequested;

    /// <summary>How the server died (<see cref="CheckDeath"/>), once known.</summary>
    private string? _death;

    private ForkServer(int socket, int pid, SafePidfdHandle pidfd, ulong scratch, int scratchSize)
    {
        _socket = socket;
        Pid = pid;
        _pidfd = pidfd;
        _scratch = scratch;
        _request = new byte[RequestHeader + scratchSize];
    }

    /// <inheritdoc/>
    public int Pid { get; }

    /// <summary>Our end of the server's socket, -1 once closed (tests).</summary>
    internal int Socket => _socket;

    /// <summary>The pidfd of the server process, owned by this object (tests).</summary>
    internal int PidfdNumber => _pidfd.IsClosed ? -1 : _pidfd.Fd;

    /// <summary>True once the server is known to be gone (a request failed, or <see cref="Exit"/> ran).</summary>
    public bool IsGone => _gone;

    /// <summary>Bytes a data buffer in the scratch buffer can hold.</summary>
    private int DataCapacity => _request.Length - RequestHeader - DataOffset;

    /// <summary>The bytes of the next request that go to the scratch buffer.</summary>
    private Span<byte> Input => _request.AsSpan(RequestHeader);

    /// <summary>
    /// Takes over <paramref name="socket"/>, our end of the socket whose other end the child
    /// <paramref name="pid"/> (a child of this process) serves, and waits for its hello.
    /// </summary>
    /// <returns>The server, or null with <paramref name="failure"/> set (the child is then killed and reaped).</returns>
    public static ForkServer? Connect(int socket, int pid, out string? failure)
    {
        var pidfd = HarnessSyscalls.PidfdOpen(pid, 0);
        Span<byte> hello = stackalloc byte[HelloSize];
        Span<int> none = stackalloc int[MaxReplyDescriptors];
        var ok = pidfd >= 0 && ReceiveExactly(socket, hello, none, out var count) && count == 0 &&
            BinaryPrimitives.ReadInt64LittleEndian(hello) == pid;
        var scratchSize = BinaryPrimitives.ReadUInt64LittleEndian(hello[16..]);
        if (!ok || scratchSize < DataOffset + TaskExecutor.Chunk || scratchSize > int.MaxValue - RequestHeader)
        {
            HarnessSyscalls.Close(socket);
            if (pidfd >= 0)
            {
                HarnessSyscalls.PidfdSendSignal((int)pidfd, HarnessSyscalls.SIGKILL);
                HarnessSyscalls.Close((int)pidfd);
            }

            HarnessSyscalls.WaitPid(pid, noHang: false);
            failure = "SKIP(fork: the forked process did not start)";
            return null;
        }

        failure = null;
        return new ForkServer(socket, pid, new SafePidfdHandle((int)pidfd, ownsHandle: true), BinaryPrimitives.ReadUInt64LittleEndian(hello[8..]), (int)scratchSize);
    }

    /// <summary>
    /// Forks the server's process (fork in a forked task). The new child is a child of this
    /// process (CLONE_PARENT), keeps <paramref name="keep"/> of the server's descriptors, and
    /// serves on a socket of its own.
    /// </summary>
    /// <returns>The new server, or null with <paramref name="failure"/> set to the step's result.</returns>
    public ForkServer? Fork(ReadOnlySpan<int> keep, out string? failure)
    {
        if (keep.Length > NativeFork.MaxKeep)
        {
            failure = Errno.Format(-Errno.EMFILE);
            return null;
        }

        var r = HarnessSyscalls.SocketPair(out var ours, out var theirs);
        if (r < 0)
        {
            failure = Errno.Format(r);
            return null;
        }

        for (var i = 0; i < keep.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(Input[(i * 4)..], keep[i]);
        }

        Span<int> attach = [theirs];
        r = Call(OpFork, 0, default, keep.Length * 4, 0, default, attach, default, out _);
        HarnessSyscalls.Close(theirs);
        if (r < 0)
        {
            HarnessSyscalls.Close(ours);
            failure = Errno.Format(r);
            return null;
        }

        return Connect(ours, (int)r, out failure);
    }

    /// <summary>Gives the server a duplicate of <paramref name="fd"/> (SCM_RIGHTS).</summary>
    /// <returns>Its number in the server, or a negative errno.</returns>
    public long TakeDescriptor(int fd)
    {
        Span<int> attach = [fd];
        Span<int> numbers = stackalloc int[MaxReplyDescriptors];
        var r = Call(OpTakeDescriptors, 0, default, 0, 0, default, attach, numbers, out var count);
        return r < 0 ? r : r == 1 && count == 1 ? numbers[0] : -Errno.EBADF;
    }

    /// <summary>Fetches a duplicate of the server's descriptor <paramref name="fd"/>.</summary>
    /// <returns>The duplicate in this process, or -1 when the server is gone or does not hold it.</returns>
    public int GiveDescriptor(int fd)
    {
        Span<int> received = stackalloc int[MaxReplyDescriptors];
        ReadOnlySpan<ulong> args = [(ulong)fd];
        var r = Call(OpGiveDescriptor, 0, args, 0, 0, default, default, received, out var count);
        for (var i = r == 0 ? 1 : 0; i < count; i++)
        {
            HarnessSyscalls.Close(received[i]);
        }

        return r == 0 && count >= 1 ? received[0] : -1;
    }

    /// <summary>Tells the server to exit (it does not reply); <see cref="IsGone"/> is then true.</summary>
    public void Exit()
    {
        if (_gone)
        {
            return;
        }

        _exitRequested = true;
        WriteHeader(OpExit, 0, default, 0, 0, 0);
        HarnessSyscalls.SendWithDescriptors(_socket, _request.AsSpan(0, RequestHeader), []);
        _gone = true;
    }

    /// <summary>
    /// How the server ended when it ended without <see cref="Exit"/> (killed, crashed, or its
    /// socket broke), for task <paramref name="task"/>'s report; null while it runs or after
    /// <see cref="Exit"/>. Once it says so, the server is gone.
    /// </summary>
    public string? CheckDeath(string task)
    {
        if (_death is null && !_exitRequested && !_pidfd.IsClosed && (_gone || ChildProcessEnd.HasEnded(_pidfd.Fd)))
        {
            _death = ChildProcessEnd.Describe(task, Pid, _pidfd.Fd);
            CloseSocket();
        }

        return _death;
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for the process to exit, then kills it and waits for that.</summary>
    public void WaitForExit(int timeoutMilliseconds)
    {
        if (HarnessSyscalls.PollReadable(_pidfd.Fd, timeoutMilliseconds) <= 0)
        {
            HarnessSyscalls.PidfdSendSignal(_pidfd.Fd, HarnessSyscalls.SIGKILL);
            HarnessSyscalls.PollReadable(_pidfd.Fd, -1);
        }

        _gone = true;
    }

    /// <summary>
    /// Ends the server: closes the socket (it reads end of file and exits), kills it if it has not
    /// exited within <paramref name="graceMilliseconds"/>, and reaps it.
    /// </summary>
    public void Shutdown(int graceMilliseconds)
    {
        CloseSocket();
        WaitForExit(graceMilliseconds);
        if (!_reaped)
        {
            HarnessSyscalls.WaitPid(Pid, noHang: false);
            _reaped = true;
        }

        _pidfd.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose() => Shutdown(0);

    /// <inheritdoc/>
    public long Mmap(ulong addr, ulong length, int prot, int flags, int fd, ulong offset) =>
        Syscall(NR_mmap, addr, length, (ulong)prot, (ulong)flags, (ulong)(long)fd, offset);

    /// <inheritdoc/>
    public long Munmap(ulong addr, ulong length) => Syscall(NR_munmap, addr, length);

    /// <inheritdoc/>
    public long Mprotect(ulong addr, ulong length, int prot) => Syscall(NR_mprotect, addr, length, (ulong)prot);

    /// <inheritdoc/>
    public long Mlock(ulong addr, ulong length) => Syscall(NR_mlock, addr, length);

    /// <inheritdoc/>
    public long Munlock(ulong addr, ulong length) => Syscall(NR_munlock, addr, length);

    /// <inheritdoc/>
    public long Madvise(ulong addr, ulong length, MemoryAdvice advice) => Syscall(NR_madvise, addr, length, (ulong)(long)(int)advice);

    /// <summary>
    /// mincore(2), in pieces whose vector fits the scratch buffer (4 GiB of range each). The
    /// kernel answers the pieces as it answers the whole: every check of a piece (alignment, the
    /// range limit, holes: -EINVAL, -ENOMEM) is a check of the whole call, in address order.
    /// </summary>
    public long Mincore(ulong addr, ulong length, Span<byte> vec)
    {
        if (HarnessSyscalls.MincorePages(length) > (ulong)vec.Length)
        {
            throw new ArgumentException($"mincore of {length} bytes needs {HarnessSyscalls.MincorePages(length)} vector bytes, got {vec.Length}.", nameof(vec));
        }

        var piece = (ulong)DataCapacity << PageSize.PAGE_SHIFT;
        ulong done = 0;
        while (true)
        {
            var len = Math.Min(length - done, piece);
            var pages = (int)HarnessSyscalls.MincorePages(len);
            var r = Syscall(NR_mincore, unchecked(addr + done), len, _scratch + DataOffset, 0, 0, 0, 0, DataOffset, vec.Slice((int)(done >> PageSize.PAGE_SHIFT), pages));
            done += len;
            if (r < 0 || done >= length)
            {
                return r;
            }
        }
    }

    /// <inheritdoc/>
    public long ProcessMadvise(long pidfd, ReadOnlySpan<IoVec> vector, ulong vlen, MemoryAdvice advice, ulong flags)
    {
        // A vector longer than the scratch buffer holds has more than UIO_MAXIOV entries: the
        // kernel rejects its vlen before reading the array, so the entries beyond do not matter.
        var n = Math.Min(vector.Length, DataCapacity / IoVec.Size);
        for (var i = 0; i < n; i++)
        {
            WriteIoVec(Input[(DataOffset + (i * IoVec.Size))..], vector[i].Base, vector[i].Len);
        }

        var address = vector.IsEmpty ? 0 : _scratch + DataOffset;
        return Syscall(NR_process_madvise, (ulong)pidfd, address, vlen, (ulong)(long)(int)advice, flags, 0, vector.IsEmpty ? 0 : DataOffset + (n * IoVec.Size));
    }

    /// <inheritdoc/>
    public long ProcessMadvise(long pidfd, ulong iovecAddress, ulong vlen, MemoryAdvice advice, ulong flags) =>
        Syscall(NR_process_madvise, (ulong)pidfd, iovecAddress, vlen, (ulong)(long)(int)advice, flags);

    /// <inheritdoc/>
    public long ReadMemory(ulong addr, Span<byte> into)
    {
        var k = Math.Min(into.Length, DataCapacity);
        WriteIoVec(Input, _scratch + DataOffset, (ulong)k);
        WriteIoVec(Input[IoVec.Size..], addr, (ulong)k);
        return Read(NR_process_vm_readv, (ulong)Pid, _scratch, 1, _scratch + IoVec.Size, 1, 0, 2 * IoVec.Size, into[..k]);
    }

    /// <inheritdoc/>
    public long WriteMemory(ulong addr, ReadOnlySpan<byte> from)
    {
        var k = Math.Min(from.Length, DataCapacity);
        WriteIoVec(Input, _scratch + DataOffset, (ulong)k);
        WriteIoVec(Input[IoVec.Size..], addr, (ulong)k);
        from[..k].CopyTo(Input[DataOffset..]);
        return Syscall(NR_process_vm_writev, (ulong)Pid, _scratch, 1, _scratch + IoVec.Size, 1, 0, DataOffset + k);
    }

    /// <inheritdoc/>
    public long PidfdOpen(int pid, uint flags) => Syscall(NR_pidfd_open, (ulong)pid, flags);

    /// <inheritdoc/>
    public long MemfdCreate(string name)
    {
        var n = PutString(name);
        return n < 0 ? n : Syscall(NR_memfd_create, _scratch, MFD_CLOEXEC, 0, 0, 0, 0, (int)n);
    }

    /// <summary>As mkostemp(3) with O_CLOEXEC: six random characters, O_RDWR|O_CREAT|O_EXCL, mode 0600, retried while the name exists; then unlinked.</summary>
    public long CreateUnlinkedTempFile(string directory, string prefix)
    {
        const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var suffix = string.Create(6, 0, static (span, _) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = Letters[Random.Shared.Next(Letters.Length)];
                }
            });
            var n = PutString(Path.Combine(directory, prefix + suffix));
            if (n < 0)
            {
                return n;
            }

            var fd = Syscall(NR_openat, unchecked((ulong)AT_FDCWD), _scratch, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0x180, 0, 0, (int)n);
            if (fd == -Errno.EEXIST)
            {
                continue;
            }

            if (fd < 0)
            {
                return fd;
            }

            var r = Syscall(NR_unlinkat, unchecked((ulong)AT_FDCWD), _scratch, 0, 0, 0, 0, (int)n);
            if (r < 0)
            {
                Close((int)fd);
                return r;
            }

            return fd;
        }

        return -Errno.EEXIST;
    }

    /// <inheritdoc/>
    public long WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var k = Math.Min(data.Length, DataCapacity);
            data[..k].CopyTo(Input[DataOffset..]);
            var n = Syscall(NR_write, (ulong)fd, _scratch + DataOffset, (ulong)k, 0, 0, 0, DataOffset + k);
            if (n == -Errno.EINTR)
            {
                continue;
            }

            if (n < 0)
            {
                return n;
            }

            data = data[(int)n..];
        }

        return 0;
    }

    /// <inheritdoc/>
    public long Fsync(int fd) => Syscall(NR_fsync, (ulong)fd);

    /// <inheritdoc/>
    public long Close(int fd) => Syscall(NR_close, (ulong)fd);

    /// <inheritdoc/>
    public long GetThreadCapabilities(out ulong effective, out ulong permitted, out ulong inheritable)
    {
        Span<byte> data = stackalloc byte[24];
        WriteCapabilityHeader();
        var r = Syscall(NR_capget, _scratch, _scratch + 8, 0, 0, 0, 0, 8, 8, data);
        var low = data;
        var high = data[12..];
        effective = BinaryPrimitives.ReadUInt32LittleEndian(low) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(high) << 32);
        permitted = BinaryPrimitives.ReadUInt32LittleEndian(low[4..]) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(high[4..]) << 32);
        inheritable = BinaryPrimitives.ReadUInt32LittleEndian(low[8..]) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(high[8..]) << 32);
        return r;
    }

    /// <inheritdoc/>
    public long SetThreadCapabilities(ulong effective, ulong permitted, ulong inheritable)
    {
        WriteCapabilityHeader();
        var data = Input[8..];
        BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)effective);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], (uint)permitted);
        BinaryPrimitives.WriteUInt32LittleEndian(data[8..], (uint)inheritable);
        BinaryPrimitives.WriteUInt32LittleEndian(data[12..], (uint)(effective >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(data[16..], (uint)(permitted >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(data[20..], (uint)(inheritable >> 32));
        return Syscall(NR_capset, _scratch, _scratch + 8, 0, 0, 0, 0, 32);
    }

    /// <inheritdoc/>
    public long ClearSupplementaryGroups() => Syscall(NR_setgroups, 0, 0);

    /// <inheritdoc/>
    public long SetResGid(uint rgid, uint egid, uint sgid) => Syscall(NR_setresgid, rgid, egid, sgid);

    /// <inheritdoc/>
    public long SetResUid(uint ruid, uint euid, uint suid) => Syscall(NR_setresuid, ruid, euid, suid);

    /// <inheritdoc/>
    public long ClearAmbientCapabilities() => Syscall(NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);

    /// <inheritdoc/>
    public long LowerAmbientCapability(int capability) => Syscall(NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, (ulong)capability);

    /// <summary>prctl(PR_SET_PDEATHSIG, SIGKILL) in the server (Linux clears it on a credential change).</summary>
    public long SetParentDeathSignal() => Syscall(NR_prctl, PR_SET_PDEATHSIG, HarnessSyscalls.SIGKILL);

    /// <summary>Reads the file in the server (open, read to the end, close), so the server's credentials and view apply.</summary>
    public string? ReadProcFile(string path)
    {
        var n = PutString("/proc/" + path);
        if (n < 0)
        {
            return null;
        }

        var fd = Syscall(NR_openat, unchecked((ulong)AT_FDCWD), _scratch, O_RDONLY | O_CLOEXEC, 0, 0, 0, (int)n);
        if (fd < 0)
        {
            return null;
        }

        var text = new List<byte>();
        var chunk = _readBuffer ??= new byte[DataCapacity];
        long r;
        while ((r = Read(NR_read, (ulong)fd, _scratch + DataOffset, (ulong)chunk.Length, 0, 0, 0, 0, chunk)) > 0 || r == -Errno.EINTR)
        {
            text.AddRange(chunk.AsSpan(0, (int)Math.Max(r, 0)));
        }

        Close((int)fd);
        return r < 0 ? null : Encoding.UTF8.GetString([.. text]);
    }

    /// <inheritdoc/>
    public IEnumerable<ProcMapping> EnumerateMaps() => Parse("self/maps", smaps: false);

    /// <inheritdoc/>
    public IEnumerable<ProcMapping> EnumerateSmaps() => Parse("self/smaps", smaps: true);

    private List<ProcMapping> Parse(string path, bool smaps)
    {
        var text = ReadProcFile(path);
        return text is null ? [] : ProcMaps.Parse(new StringReader(text), smaps);
    }

    /// <summary>
    /// Puts <paramref name="text"/> NUL-terminated at the start of the scratch buffer; its length
    /// with the NUL, or -EINVAL for a string no path or name can be (over 4 KiB, or with a NUL).
    /// </summary>
    private long PutString(string text)
    {
        var n = Encoding.UTF8.GetByteCount(text);
        if (n >= DataOffset || text.Contains('\0', StringComparison.Ordinal))
        {
            return -Errno.EINVAL;
        }

        Encoding.UTF8.GetBytes(text, Input);
        Input[n] = 0;
        return n + 1;
    }

    private void WriteCapabilityHeader()
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Input, LINUX_CAPABILITY_VERSION_3);
        BinaryPrimitives.WriteInt32LittleEndian(Input[4..], 0);
    }

    private static void WriteIoVec(Span<byte> at, ulong address, ulong length)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(at, address);
        BinaryPrimitives.WriteUInt64LittleEndian(at[8..], length);
    }

    /// <summary>A system call; the first <paramref name="inLength"/> bytes of <see cref="Input"/> go to the scratch buffer first, and <paramref name="output"/> receives the scratch bytes from <paramref name="outOffset"/> after.</summary>
    private long Syscall(long nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0, int inLength = 0, int outOffset = 0, Span<byte> output = default)
    {
        ReadOnlySpan<ulong> args = [a0, a1, a2, a3, a4, a5];
        return Call(OpSyscall, nr, args, inLength, outOffset, output, default, default, out _);
    }

    /// <summary>As <see cref="Syscall"/> for a call whose result is a byte count: only that many bytes come back.</summary>
    private long Read(long nr, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5, int inLength, Span<byte> output)
    {
        ReadOnlySpan<ulong> args = [a0, a1, a2, a3, a4, a5];
        return Call(OpRead, nr, args, inLength, DataOffset, output, default, default, out _);
    }

    private void WriteHeader(uint op, long nr, ReadOnlySpan<ulong> args, int inLength, int outOffset, int outLength)
    {
        var h = _request.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(h, op);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)inLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)outOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], (uint)outLength);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], nr);
        for (var i = 0; i < 6; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(h[(24 + (i * 8))..], i < args.Length ? args[i] : 0);
        }
    }

    /// <summary>One request and its reply; -ESRCH when the server is gone (it is then treated as gone from here on).</summary>
    private long Call(uint op, long nr, ReadOnlySpan<ulong> args, int inLength, int outOffset, Span<byte> output, ReadOnlySpan<int> attach, Span<int> received, out int receivedCount)
    {
        receivedCount = 0;
        if (_gone)
        {
            return -Errno.ESRCH;
        }

        WriteHeader(op, nr, args, inLength, outOffset, output.Length);
        Span<byte> reply = stackalloc byte[ReplyHeader];
        Span<int> fds = stackalloc int[MaxReplyDescriptors];
        if (HarnessSyscalls.SendWithDescriptors(_socket, _request.AsSpan(0, RequestHeader + inLength), attach) < 0 ||
            !ReceiveExactly(_socket, reply, fds, out var count))
        {
            _gone = true;
            return -Errno.ESRCH;
        }

        var result = BinaryPrimitives.ReadInt64LittleEndian(reply);
        var outLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(reply[8..]);
        Span<int> none = stackalloc int[MaxReplyDescriptors];
        if (outLength > output.Length || (outLength > 0 && !ReceiveExactly(_socket, output[..outLength], none, out _)))
        {
            _gone = true;
            return -Errno.ESRCH;
        }

        // TAKE_FDS answers with the numbers in the reply; GIVE_FD attaches the descriptor.
        if (op == OpTakeDescriptors)
        {
            var n = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(reply[12..]), MaxReplyDescriptors);
            for (var i = 0; i < n && i < received.Length; i++)
            {
                received[i] = BinaryPrimitives.ReadInt32LittleEndian(reply[(16 + (i * 4))..]);
                receivedCount++;
            }
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                if (receivedCount < received.Length)
                {
                    received[receivedCount++] = fds[i];
                }
                else
                {
                    HarnessSyscalls.Close(fds[i]);
                }
            }
        }

        return result;
    }

    /// <summary>Fills <paramref name="into"/> from <paramref name="socket"/>; false at end of file or on an error.</summary>
    private static bool ReceiveExactly(int socket, Span<byte> into, Span<int> descriptors, out int count)
    {
        count = 0;
        var got = 0;
        while (got < into.Length)
        {
            var n = HarnessSyscalls.ReceiveWithDescriptors(socket, into[got..], descriptors[count..], out var c);
            count += c;
            if (n <= 0)
            {
                return false;
            }

            got += (int)n;
        }

        return true;
    }

    private void CloseSocket()
    {
        if (_socket >= 0)
        {
            HarnessSyscalls.Close(_socket);
            _socket = -1;
        }

        _gone = true;
    }
}
