using System.Globalization;

namespace Madvise.Kernel.Tests.Fuzzing;

/// <summary>What a fuzzer call does: one system call, one user-memory access or one task event.</summary>
internal enum FuzzOp : byte
{
    None,
    Mmap,
    Munmap,
    Mprotect,
    Madvise,
    ProcessMadvise,
    Mincore,
    Mlock,
    Munlock,
    ReadUser,
    WriteUser,
    FillUser,
    ReadRemote,
    FillRemote,
    Fork,
    Exit,
    Kill,
    CreateFile,
    Close,
    Reopen,
    PidfdOpen,
    SetUid,
    DropCapability,
    Reclaim,
}

/// <summary>
/// One call of the syscall fuzzer with its arguments and result, kept in a worker's ring of
/// recent calls (no string is built unless a failure is reported).
/// </summary>
internal struct FuzzCall
{
    public FuzzOp Op;

    /// <summary>The calling task's pid.</summary>
    public int Pid;

    public ulong A;
    public ulong B;
    public ulong C;
    public ulong D;
    public long E;
    public ulong F;

    /// <summary>The result; <see cref="long.MinValue"/> while the call runs.</summary>
    public long Result;

    public override readonly string ToString()
    {
        var ic = CultureInfo.InvariantCulture;
        var call = Op switch
        {
            FuzzOp.Mmap => string.Create(ic, $"mmap(0x{A:x}, 0x{B:x}, prot 0x{C:x}, flags 0x{D:x}, fd {E}, off 0x{F:x})"),
            FuzzOp.Munmap => string.Create(ic, $"munmap(0x{A:x}, 0x{B:x})"),
            FuzzOp.Mprotect => string.Create(ic, $"mprotect(0x{A:x}, 0x{B:x}, 0x{C:x})"),
            FuzzOp.Madvise => string.Create(ic, $"madvise(0x{A:x}, 0x{B:x}, {E})"),
            FuzzOp.ProcessMadvise => string.Create(ic, $"process_madvise(pidfd {(long)A}, vec 0x{B:x}, vlen 0x{C:x}, {E}, flags 0x{D:x}) [iov at vec: {F} entries written]"),
            FuzzOp.Mincore => string.Create(ic, $"mincore(0x{A:x}, 0x{B:x}, vec of {C} bytes)"),
            FuzzOp.Mlock => string.Create(ic, $"mlock(0x{A:x}, 0x{B:x})"),
            FuzzOp.Munlock => string.Create(ic, $"munlock(0x{A:x}, 0x{B:x})"),
            FuzzOp.ReadUser => string.Create(ic, $"load 0x{A:x} +0x{B:x}"),
            FuzzOp.WriteUser => string.Create(ic, $"store 0x{A:x} +0x{B:x}"),
            FuzzOp.FillUser => string.Create(ic, $"memset 0x{A:x} +0x{B:x} = 0x{C:x}"),
            FuzzOp.ReadRemote => string.Create(ic, $"process_vm_readv(pid {E}) 0x{A:x} +0x{B:x}"),
            FuzzOp.FillRemote => string.Create(ic, $"process_vm_writev(pid {E}) 0x{A:x} +0x{B:x}"),
            FuzzOp.Fork => "fork()",
            FuzzOp.Exit => "exit()",
            FuzzOp.Kill => "kill(SIGKILL)",
            FuzzOp.CreateFile => string.Create(ic, $"create file of 0x{A:x} bytes ({(B != 0 ? "memfd" : "regular")})"),
            FuzzOp.Close => string.Create(ic, $"close({E})"),
            FuzzOp.Reopen => string.Create(ic, $"reopen({E}, read {A}, write {B})"),
            FuzzOp.PidfdOpen => string.Create(ic, $"pidfd_open({E}, 0x{A:x})"),
            FuzzOp.SetUid => string.Create(ic, $"setuid({A})"),
            FuzzOp.DropCapability => string.Create(ic, $"drop capability {A}"),
            FuzzOp.Reclaim => string.Create(ic, $"reclaim({A} pages)"),
            _ => "(none)",
        };
        var result = Result == long.MinValue ? "(running)" : Result.ToString(ic);
        return string.Create(ic, $"task {Pid}: {call} = {result}");
    }
}
