using Madvise.Host.Tests.Shared;
using Madvise.Scenarios;
using static Madvise.Host.Tests.Shared.ScriptContext;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Abi.MapFlags;
using static Madvise.Abi.Prot;

namespace Madvise.Host.Tests.Target;

/// <summary>
/// Scenarios whose every expectation is what Linux 6.18 answers (checked against the Python
/// reference runner by <see cref="ReferenceRunnerTests"/>) and that our host target must
/// reproduce (<see cref="HostTargetScriptTests"/>).
/// </summary>
public static class HostScripts
{
    /// <summary>PROT_READ | PROT_WRITE.</summary>
    private const int RW = PROT_READ | PROT_WRITE;
    /// <summary>MAP_PRIVATE | MAP_ANONYMOUS.</summary>
    private const int PrivateAnon = MAP_PRIVATE | MAP_ANONYMOUS;

    /// <summary>The scripts by name.</summary>
    public static readonly IReadOnlyDictionary<string, Func<Script>> All = new Dictionary<string, Func<Script>>
    {
        ["spec-example"] = SpecExample,
        ["vectors"] = Vectors,
        ["tasks"] = Tasks,
        ["credentials"] = Credentials,
        ["descriptors"] = Descriptors,
        ["memory-access"] = MemoryAccess,
    };

    /// <summary>Names for a theory.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>The example of the scenario format specification, plus vmas.</summary>
    private static Script SpecExample() => new Script()
        .Step("mmap A 8p rw private,anon", "ok", c => c.Mmap("self", "A", 8 * P, RW, PrivateAnon))
        .Step("write A 8p 0xab", "0", c => Format(c.Self.Write(c.A("A"), 8 * P, 0xab)))
        .Step("madvise A+2p 2p DONTNEED", "0", c => Format(c.Self.Madvise(c.A("A", 2 * P), 2 * P, MADV_DONTNEED)))
        .Step("mincore A 8p", "11001111", c => c.Mincore("self", c.A("A"), 8 * P))
        .Step("read A+2p 1p", "00*4096", c => c.Read("self", c.A("A", 2 * P), P))
        .Step("read A 3p", "ab*8192,00*4096", c => c.Read("self", c.A("A"), 3 * P))
        .Step("madvise A+1 1p DONTNEED", "-EINVAL", c => Format(c.Self.Madvise(c.A("A", 1), P, MADV_DONTNEED)))
        .Step("pmadvise self [A 1p; A+4p 2p] DONTNEED", "12288", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("A"), P), (c.A("A", 4 * P), 2 * P)), MADV_DONTNEED, 0)))
        .Step("pmadvise self [A 1p] DONTNEED 1", "-EINVAL", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("A"), P)), MADV_DONTNEED, 1)))
        .Step("madvise A+6p 2p SEQUENTIAL", "0", c => Format(c.Self.Madvise(c.A("A", 6 * P), 2 * P, MADV_SEQUENTIAL)))
        .Step("vmas A 8p", "[0p-6p rw-p; 6p-8p rw-p sr]", c => c.Vmas("self", c.A("A"), 8 * P))
        .Step("vmas A+1 1p", "[-1-24575 rw-p]", c => c.Vmas("self", c.A("A", 1), P))
        .Step("vmas A 0", "[]", c => c.Vmas("self", c.A("A"), 0))
        .Step("munmap A+2p 2p", "0", c => Format(c.Self.Munmap(c.A("A", 2 * P), 2 * P)))
        .Step("mincore A 4p", "-ENOMEM", c => c.Mincore("self", c.A("A"), 4 * P))
        .Step("madvise A 8p COLD", "-ENOMEM", c => Format(c.Self.Madvise(c.A("A"), 8 * P, MADV_COLD)));

    /// <summary>Every VEC and PIDFD form of pmadvise.</summary>
    private static Script Vectors() => new Script()
        .Step("mmap A 16p rw private,anon", "ok", c => c.Mmap("self", "A", 16 * P, RW, PrivateAnon))
        .Step("write A 16p 1", "0", c => Format(c.Self.Write(c.A("A"), 16 * P, 1)))
        .Step("pmadvise self [] DONTNEED", "0", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List(), MADV_DONTNEED, 0)))
        .Step("pmadvise self [A 1; A+1p 4096] COLD", "4097", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("A"), 1), (c.A("A", P), P)), MADV_COLD, 0)))
        .Step("pmadvise self seq(A, 1p, 2p, 4) DONTNEED", "16384", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.Seq(c.A("A"), P, 2 * P, 4), MADV_DONTNEED, 0)))
        .Step("mincore A 8p", "01010101", c => c.Mincore("self", c.A("A"), 8 * P))
        .Step("pmadvise self seq(A, 1p, 1p, 0) DONTNEED", "0", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.Seq(c.A("A"), P, P, 0), MADV_DONTNEED, 0)))
        .Step("pmadvise self seq(A, 0, 0, 1024) DONTNEED", "0", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.Seq(c.A("A"), 0, 0, 1024), MADV_DONTNEED, 0)))
        .Step("pmadvise self seq(A, 1p, 0, 1025) DONTNEED", "-EINVAL", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.Seq(c.A("A"), P, 0, 1025), MADV_DONTNEED, 0)))
        .Step("pmadvise self seq(A, 1p, 0, 100000) COLD", "-EINVAL", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.Seq(c.A("A"), P, 0, 100000), MADV_COLD, 0)))
        .Step("pmadvise self badptr(1) COLD", "-EFAULT", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.BadPointer(1), MADV_COLD, 0)))
        .Step("pmadvise self badptr(0) COLD", "0", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.BadPointer(0), MADV_COLD, 0)))
        .Step("pmadvise self badptr(2000) COLD", "-EINVAL", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.BadPointer(2000), MADV_COLD, 0)))
        .Step("pmadvise PIDFD_SELF [A+8p 2p] DONTNEED", "8192", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Raw(-10000), List((c.A("A", 8 * P), 2 * P)), MADV_DONTNEED, 0)))
        .Step("pmadvise PIDFD_SELF_PROCESS [A+10p 2p] DONTNEED", "8192", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Raw(-10001), List((c.A("A", 10 * P), 2 * P)), MADV_DONTNEED, 0)))
        .Step("mincore A+8p 8p", "00001111", c => c.Mincore("self", c.A("A", 8 * P), 8 * P))
        .Step("pmadvise -1 [A 1p] COLD", "-EBADF", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Raw(-1), List((c.A("A"), P)), MADV_COLD, 0)))
        .Step("pmadvise -20000 [A 1p] COLD", "-EBADF", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Raw(-20000), List((c.A("A"), P)), MADV_COLD, 0)))
        .Step("pmadvise 9999 [A 1p] COLD", "-EBADF", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Raw(9999), List((c.A("A"), P)), MADV_COLD, 0)))
        .Step("pmadvise self [A 1p] 999", "-EINVAL", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("A"), P)), (MemoryAdvice)999, 0)))
        .Step("pmadvise self [A 1p; A+1 1p] DONTNEED", "4096", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("A"), P), (c.A("A", 1), P)), MADV_DONTNEED, 0)))
        .Step("munmap A+14p 2p", "0", c => Format(c.Self.Munmap(c.A("A", 14 * P), 2 * P)))
        .Step("pmadvise self [A+12p 4p; A 1p] DONTNEED", "-ENOMEM", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("A", 12 * P), 4 * P), (c.A("A"), P)), MADV_DONTNEED, 0)))
        .Step("pmadvise self [A 1p; A+12p 4p; A+1p 1p] DONTNEED", "4096", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("A"), P), (c.A("A", 12 * P), 4 * P), (c.A("A", P), P)), MADV_DONTNEED, 0)));

    /// <summary>Tasks as agents: remote pmadvise, exit, steps in an exited task.</summary>
    private static Script Tasks() => new Script()
        .Step("task B", "ok", c => c.Task("B"))
        .Step("in B: mmap X 4p rw private,anon", "ok", c => c.Mmap("B", "X", 4 * P, RW, PrivateAnon))
        .Step("in B: write X 4p 0x5a", "0", c => Format(c.T("B").Write(c.A("X"), 4 * P, 0x5a)))
        .Step("in B: read X+1p 2p", "5a*8192", c => c.Read("B", c.A("X", P), 2 * P))
        .Step("in B: mincore X 4p", "1111", c => c.Mincore("B", c.A("X"), 4 * P))
        .Step("in B: madvise X+3p 1p DONTNEED", "0", c => Format(c.T("B").Madvise(c.A("X", 3 * P), P, MADV_DONTNEED)))
        .Step("in B: mincore X 4p", "1110", c => c.Mincore("B", c.A("X"), 4 * P))
        .Step("in B: madvise X 1p DONTFORK", "0", c => Format(c.T("B").Madvise(c.A("X"), P, MADV_DONTFORK)))
        .Step("in B: vmas X 4p", "[0p-1p rw-p dc; 1p-4p rw-p]", c => c.Vmas("B", c.A("X"), 4 * P))
        .Step("pidfd PB B", "ok", c => c.Pidfd("self", "PB", "B"))
        .Step("pmadvise PB [X 4p] COLD", "16384", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PB"]), List((c.A("X"), 4 * P)), MADV_COLD, 0)))
        .Step("pmadvise PB [X 4p] DONTNEED", "-EINVAL", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PB"]), List((c.A("X"), 4 * P)), MADV_DONTNEED, 0)))
        .Step("in B: pmadvise self [X 2p] DONTNEED", "8192", c => Format(c.T("B").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("X"), 2 * P)), MADV_DONTNEED, 0)))
        .Step("in B: pmadvise PIDFD_SELF [X+2p 1p] DONTNEED", "4096", c => Format(c.T("B").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Raw(-10000), List((c.A("X", 2 * P), P)), MADV_DONTNEED, 0)))
        .Step("in B: mincore X 4p", "0000", c => c.Mincore("B", c.A("X"), 4 * P))
        .Step("in B: read X 1p", "00*4096", c => c.Read("B", c.A("X"), P))
        .Step("mmap A 1p rw private,anon", "ok", c => c.Mmap("self", "A", P, RW, PrivateAnon))
        .Step("in B: pidfd PS self", "ok", c => c.Pidfd("B", "PS", "self"))
        .Step("in B: pmadvise PS [A 1p] COLD", "4096", c => Format(c.T("B").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PS"]), List((c.A("A"), P)), MADV_COLD, 0)))
        .Step("in B: pmadvise PS [A 1p] PAGEOUT", "4096", c => Format(c.T("B").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PS"]), List((c.A("A"), P)), MADV_PAGEOUT, 0)))
        .Step("in B: pmadvise PS [A 1p] FREE", "-EINVAL", c => Format(c.T("B").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PS"]), List((c.A("A"), P)), MADV_FREE, 0)))
        .Step("exit B", "0", c => Format(c.T("B").Exit()))
        .Step("pmadvise PB [X 4p] COLD", "-ESRCH", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PB"]), List((c.A("X"), 4 * P)), MADV_COLD, 0)))
        .Step("pidfd PB2 B", "ok", c => c.Pidfd("self", "PB2", "B"))
        .Step("pmadvise PB2 [X 4p] COLD", "-ESRCH", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PB2"]), List((c.A("X"), 4 * P)), MADV_COLD, 0)))
        .Step("in B: read X 1p", "-ESRCH", c => c.Read("B", c.A("X"), P))
        .Step("exit B", "-ESRCH", c => Format(c.T("B").Exit()));

    /// <summary>setuid and dropcap: the ptrace access check (-EACCES) and CAP_SYS_NICE (-EPERM).</summary>
    private static Script Credentials() => new Script()
        .Step("mmap A 2p rw private,anon", "ok", c => c.Mmap("self", "A", 2 * P, RW, PrivateAnon))
        .Step("task B", "ok", c => c.Task("B"))
        .Step("task C", "ok", c => c.Task("C"))
        .Step("in B: mmap X 4p rw private,anon", "ok", c => c.Mmap("B", "X", 4 * P, RW, PrivateAnon))
        .Step("in B: write X 4p 7", "0", c => Format(c.T("B").Write(c.A("X"), 4 * P, 7)))
        .Step("pidfd PB B", "ok", c => c.Pidfd("self", "PB", "B"))
        .Step("in C: pidfd PBC B", "ok", c => c.Pidfd("C", "PBC", "B"))
        .Step("in C: pmadvise PBC [X 4p] COLD", "16384", c => Format(c.T("C").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PBC"]), List((c.A("X"), 4 * P)), MADV_COLD, 0)))
        .Step("dropcap C CAP_SYS_NICE", "0", c => Format(c.T("C").DropCapability(23)))
        .Step("in C: pmadvise PBC [X 4p] COLD", "-EPERM", c => Format(c.T("C").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PBC"]), List((c.A("X"), 4 * P)), MADV_COLD, 0)))
        .Step("in C: pmadvise PB [X 4p] WILLNEED", "-EPERM", c => Format(c.T("C").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PB"]), List((c.A("X"), 4 * P)), MADV_WILLNEED, 0)))
        .Step("setuid B 1000", "0", c => Format(c.T("B").SetUid(1000)))
        .Step("in B: pidfd PS self", "ok", c => c.Pidfd("B", "PS", "self"))
        .Step("in B: pmadvise PS [A 1p] COLD", "-EACCES", c => Format(c.T("B").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PS"]), List((c.A("A"), P)), MADV_COLD, 0)))
        .Step("in B: pmadvise self [X 1p] DONTNEED", "4096", c => Format(c.T("B").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("X"), P)), MADV_DONTNEED, 0)))
        .Step("pmadvise PB [X 4p] COLD", "16384", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PB"]), List((c.A("X"), 4 * P)), MADV_COLD, 0)))
        .Step("dropcap self CAP_SYS_NICE", "0", c => Format(c.Self.DropCapability(23)))
        .Step("pmadvise PB [X 4p] COLD", "-EPERM", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PB"]), List((c.A("X"), 4 * P)), MADV_COLD, 0)))
        .Step("pmadvise self [A 1p] DONTNEED", "4096", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), List((c.A("A"), P)), MADV_DONTNEED, 0)))
        .Step("task D", "ok", c => c.Task("D"))
        .Step("in D: pidfd PBD B", "ok", c => c.Pidfd("D", "PBD", "B"))
        .Step("in D: pmadvise PBD [X 4p] COLD", "16384", c => Format(c.T("D").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PBD"]), List((c.A("X"), 4 * P)), MADV_COLD, 0)))
        .Step("in B: mlock X 1p", "0", c => Format(c.T("B").Mlock(c.A("X"), P)))
        .Step("in D: pmadvise PBD [X 4p] COLD", "-EINVAL", c => Format(c.T("D").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PBD"]), List((c.A("X"), 4 * P)), MADV_COLD, 0)));

    /// <summary>Files and pidfds passed between tasks; a descriptor of an exited owner is -EBADF.</summary>
    private static Script Descriptors() => new Script()
        .Step("file F 2p 0x11", "ok", c => c.File("self", "F", 2 * P, 0x11))
        .Step("file M 1p 0x22 memfd", "ok", c => c.File("self", "M", P, 0x22, memfd: true))
        .Step("task B", "ok", c => c.Task("B"))
        .Step("in B: mmap Y 2p r shared fd=F", "ok", c => c.Mmap("B", "Y", 2 * P, PROT_READ, MAP_SHARED, "F"))
        .Step("in B: read Y 2p", "11*8192", c => c.Read("B", c.A("Y"), 2 * P))
        .Step("in B: mincore Y 2p", "11", c => c.Mincore("B", c.A("Y"), 2 * P))
        .Step("in B: mmap Z 1p rw shared fd=M", "ok", c => c.Mmap("B", "Z", P, RW, MAP_SHARED, "M"))
        .Step("in B: write Z 1p 0x23", "0", c => Format(c.T("B").Write(c.A("Z"), P, 0x23)))
        .Step("mmap Z2 1p r shared fd=M", "ok", c => c.Mmap("self", "Z2", P, PROT_READ, MAP_SHARED, "M"))
        .Step("read Z2 1p", "23*4096", c => c.Read("self", c.A("Z2"), P))
        .Step("in B: file G 2p 0x33", "ok", c => c.File("B", "G", 2 * P, 0x33))
        .Step("in B: file H 1p 0x44", "ok", c => c.File("B", "H", P, 0x44))
        .Step("mmap W 2p r private fd=G", "ok", c => c.Mmap("self", "W", 2 * P, PROT_READ, MAP_PRIVATE, "G"))
        .Step("read W 2p", "33*8192", c => c.Read("self", c.A("W"), 2 * P))
        .Step("task C", "ok", c => c.Task("C"))
        .Step("in C: pidfd PC self", "ok", c => c.Pidfd("C", "PC", "self"))
        .Step("exit B", "0", c => Format(c.T("B").Exit()))
        .Step("in C: mmap V 2p r shared fd=G", "ok", c => c.Mmap("C", "V", 2 * P, PROT_READ, MAP_SHARED, "G"))
        .Step("in C: read V 1p", "33*4096", c => c.Read("C", c.A("V"), P))
        .Step("mmap U 1p r shared fd=H", "-EBADF", c => c.Mmap("self", "U", P, PROT_READ, MAP_SHARED, "H"))
        .Step("in C: mmap U2 1p r shared fd=H", "-EBADF", c => c.Mmap("C", "U2", P, PROT_READ, MAP_SHARED, "H"))
        .Step("pmadvise PC [W 2p] COLD", "8192", c => Format(c.Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PC"]), List((c.A("W"), 2 * P)), MADV_COLD, 0)))
        .Step("task D", "ok", c => c.Task("D"))
        .Step("in D: pmadvise PC [W 2p] PAGEOUT", "8192", c => Format(c.T("D").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PC"]), List((c.A("W"), 2 * P)), MADV_PAGEOUT, 0)))
        .Step("exit C", "0", c => Format(c.T("C").Exit()))
        .Step("in D: pmadvise PC [W 2p] COLD", "8192", c => Format(c.T("D").ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(c.Pidfds["PC"]), List((c.A("W"), 2 * P)), MADV_COLD, 0)));

    /// <summary>Reads and writes that fault: protection, holes, partial writes.</summary>
    private static Script MemoryAccess() => new Script()
        .Step("mmap A 4p rw private,anon", "ok", c => c.Mmap("self", "A", 4 * P, RW, PrivateAnon))
        .Step("read A 4p", "00*16384", c => c.Read("self", c.A("A"), 4 * P))
        .Step("mincore A 4p", "1111", c => c.Mincore("self", c.A("A"), 4 * P))
        .Step("mprotect A+2p 2p r", "0", c => Format(c.Self.Mprotect(c.A("A", 2 * P), 2 * P, PROT_READ)))
        .Step("write A+1p 2p 0x77", "-EFAULT", c => Format(c.Self.Write(c.A("A", P), 2 * P, 0x77)))
        .Step("read A+1p 2p", "77*4096,00*4096", c => c.Read("self", c.A("A", P), 2 * P))
        .Step("mprotect A+3p 1p none", "0", c => Format(c.Self.Mprotect(c.A("A", 3 * P), P, PROT_NONE)))
        .Step("read A+2p 2p", "-EFAULT", c => c.Read("self", c.A("A", 2 * P), 2 * P))
        .Step("vmas A 4p", "[0p-2p rw-p; 2p-3p r--p; 3p-4p ---p]", c => c.Vmas("self", c.A("A"), 4 * P))
        .Step("read A 0", "", c => c.Read("self", c.A("A"), 0))
        .Step("write A 0 1", "0", c => Format(c.Self.Write(c.A("A"), 0, 1)))
        .Step("mincore A 0", "", c => c.Mincore("self", c.A("A"), 0))
        .Step("mmap B 2p rw private,anon", "ok", c => c.Mmap("self", "B", 2 * P, RW, PrivateAnon))
        .Step("munmap B+1p 1p", "0", c => Format(c.Self.Munmap(c.A("B", P), P)))
        .Step("write B 2p 0x42", "-EFAULT", c => Format(c.Self.Write(c.A("B"), 2 * P, 0x42)))
        .Step("read B 1p", "42*4096", c => c.Read("self", c.A("B"), P))
        .Step("madvise A 2p GUARD_INSTALL", "0", c => Format(c.Self.Madvise(c.A("A"), 2 * P, MADV_GUARD_INSTALL)))
        .Step("read A 1p", "-EFAULT", c => c.Read("self", c.A("A"), P))
        .Step("madvise A 2p GUARD_REMOVE", "0", c => Format(c.Self.Madvise(c.A("A"), 2 * P, MADV_GUARD_REMOVE)))
        .Step("read A 1p", "00*4096", c => c.Read("self", c.A("A"), P))
        .Step("mlock A 2p", "0", c => Format(c.Self.Mlock(c.A("A"), 2 * P)))
        .Step("vmas A 2p", "[0p-2p rw-p gu lo]", c => c.Vmas("self", c.A("A"), 2 * P))
        .Step("madvise A 1p DONTNEED", "-EINVAL", c => Format(c.Self.Madvise(c.A("A"), P, MADV_DONTNEED)))
        .Step("munlock A 2p", "0", c => Format(c.Self.Munlock(c.A("A"), 2 * P)));

    private static VectorArgument<ulong>.List List(params (ulong Base, ulong Length)[] entries) => new(entries);
}
