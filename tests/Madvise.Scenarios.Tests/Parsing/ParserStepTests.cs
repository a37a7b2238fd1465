using Madvise.Abi;
using Madvise.Scenarios.Steps;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Parsing;

/// <summary>Every step kind parses into its record with the right values and normalised text.</summary>
public class ParserStepTests
{
    private const string MapA = "mmap A 8p rw private,anon";

    [Fact]
    public void Mmap_WithEveryOption()
    {
        var s = Scn.Last<MmapStep>("file F 2p 0x61", MapA, "MMAP B 2P R Shared,Populate FD=F off=1p At=A+4p");
        Assert.Equal("B", s.Name);
        Assert.Equal(2 * 4096UL, s.Length);
        Assert.Equal(Prot.PROT_READ, s.Prot);
        Assert.Equal(MapFlags.MAP_SHARED | MapFlags.MAP_POPULATE, s.Flags);
        Assert.Equal("F", s.File);
        Assert.Equal(4096UL, s.Offset);
        Assert.Equal(new AddressExpression("A", 4 * 4096UL, "A+4p"), s.At);
        Assert.Equal("mmap B 2P r shared,populate fd=F off=1p at=A+4p", s.Text);
        Assert.Equal("mmap", s.Keyword);
    }

    [Fact]
    public void Mmap_EveryFlagWord()
    {
        var s = Scn.Last<MmapStep>("mmap A 1p none private,shared,anon,fixed,fixed_noreplace,populate,locked,noreserve");
        Assert.Equal(
            MapFlags.MAP_PRIVATE | MapFlags.MAP_SHARED | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED | MapFlags.MAP_FIXED_NOREPLACE
            | MapFlags.MAP_POPULATE | MapFlags.MAP_LOCKED | MapFlags.MAP_NORESERVE,
            s.Flags);
        Assert.Equal(Prot.PROT_NONE, s.Prot);
        Assert.Null(s.File);
        Assert.Null(s.At);
        Assert.Equal(0UL, s.Offset);
    }

    [Fact]
    public void Mmap_AtOwnNameRefersToEarlierBinding()
    {
        var s = Scn.Last<MmapStep>(MapA, "mmap A 1p rw private,anon,fixed at=A+1p");
        Assert.Equal("A", s.At!.Name);
    }

    [Theory]
    [InlineData("munmap", typeof(MunmapStep))]
    [InlineData("mlock", typeof(MlockStep))]
    [InlineData("munlock", typeof(MunlockStep))]
    [InlineData("read", typeof(ReadStep))]
    [InlineData("mincore", typeof(MincoreStep))]
    [InlineData("vmas", typeof(VmasStep))]
    [InlineData("smaps", typeof(SmapsStep))]
    public void RangeSteps(string keyword, Type type)
    {
        var s = Assert.IsAssignableFrom<RangeStep>(Scn.Parse(MapA, keyword.ToUpperInvariant() + "  A-1p\t0x10p").Steps[1]);
        Assert.IsType(type, s);
        Assert.Equal(keyword, s.Keyword);
        Assert.Equal(new AddressExpression("A", unchecked(0UL - 4096), "A-1p"), s.Address);
        Assert.Equal(16 * 4096UL, s.Length);
        Assert.Equal($"{keyword} A-1p 0x10p", s.Text);
    }

    [Fact]
    public void Mprotect()
    {
        var s = Scn.Last<MprotectStep>(MapA, "mprotect A 1p XR");
        Assert.Equal(Prot.PROT_READ | Prot.PROT_EXEC, s.Prot);
        Assert.Equal("mprotect A 1p xr", s.Text);
    }

    [Theory]
    [InlineData("dontneed", (int)MemoryAdvice.MADV_DONTNEED, "DONTNEED")]
    [InlineData("Guard_Install", (int)MemoryAdvice.MADV_GUARD_INSTALL, "GUARD_INSTALL")]
    [InlineData("DONTNEED_LOCKED", (int)MemoryAdvice.MADV_DONTNEED_LOCKED, "DONTNEED_LOCKED")]
    [InlineData("4", 4, "4")]
    [InlineData("999", 999, "999")]
    [InlineData("-1", -1, "-1")]
    [InlineData("0x64", 100, "0x64")]
    [InlineData("0x100000004", 4, "0x100000004")]
    public void Madvise_Advice(string written, int value, string printed)
    {
        var s = Scn.Last<MadviseStep>(MapA, $"madvise A 1p {written}");
        Assert.Equal(value, (int)s.Advice);
        Assert.Equal(printed, s.AdviceText);
        Assert.Equal($"madvise A 1p {printed}", s.Text);
    }

    [Fact]
    public void Madvise_EveryAdviceNameParses()
    {
        foreach (var (name, value) in MemoryAdviceNames.All)
        {
            var s = Scn.Last<MadviseStep>(MapA, $"madvise A 1p {name.ToLowerInvariant()}");
            Assert.Equal(value, s.Advice);
            Assert.Equal(name, s.AdviceText);
        }
    }

    [Fact]
    public void Write()
    {
        var s = Scn.Last<WriteStep>(MapA, "write A+0x10 16 0xAB");
        Assert.Equal(0xABUL, s.Value);
        Assert.Equal(16UL, s.Length);
        Assert.Equal(0x10UL, s.Address.Offset);
        Assert.Equal("write A+0x10 16 0xAB", s.Text);
    }

    [Fact]
    public void Pmadvise_ListVector()
    {
        var s = Scn.Last<PmadviseStep>(MapA, "pmadvise self [A 1p;A+2p  2p ; 0x1000 3] Pageout 0x1");
        Assert.IsType<PidfdArgument<string>.Self>(s.Pidfd);
        var v = Assert.IsType<VectorArgument<AddressExpression>.List>(s.Vector);
        Assert.Equal(3, v.Entries.Count);
        Assert.Equal((new AddressExpression("A", 8192, "A+2p"), 8192UL), v.Entries[1]);
        Assert.Equal((new AddressExpression(null, 0x1000, "0x1000"), 3UL), v.Entries[2]);
        Assert.Equal(MemoryAdvice.MADV_PAGEOUT, s.Advice);
        Assert.Equal(1UL, s.Flags);
        Assert.Equal("pmadvise self [A 1p; A+2p 2p; 0x1000 3] PAGEOUT 0x1", s.Text);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[ \t ]")]
    public void Pmadvise_EmptyVector(string vec)
    {
        var s = Scn.Last<PmadviseStep>($"pmadvise self {vec} COLD");
        Assert.Empty(Assert.IsType<VectorArgument<AddressExpression>.List>(s.Vector).Entries);
        Assert.Equal("pmadvise self [] COLD", s.Text);
        Assert.Equal(0UL, s.Flags);
    }

    [Fact]
    public void Pmadvise_Seq()
    {
        var s = Scn.Last<PmadviseStep>(MapA, "pmadvise self SEQ( A+1p ,1p, 0x2000 , 5000) COLD");
        var v = Assert.IsType<VectorArgument<AddressExpression>.Seq>(s.Vector);
        Assert.Equal(new AddressExpression("A", 4096, "A+1p"), v.Start);
        Assert.Equal(4096UL, v.Length);
        Assert.Equal(0x2000UL, v.Stride);
        Assert.Equal(5000UL, v.Count);
        Assert.Equal("pmadvise self seq(A+1p, 1p, 0x2000, 5000) COLD", s.Text);
    }

    [Fact]
    public void Pmadvise_BadPointer()
    {
        var s = Scn.Last<PmadviseStep>("pmadvise self BADPTR( 0x10 ) cold");
        Assert.Equal(16UL, Assert.IsType<VectorArgument<AddressExpression>.BadPointer>(s.Vector).Count);
        Assert.Equal("pmadvise self badptr(0x10) COLD", s.Text);
    }

    [Theory]
    [InlineData("SELF", null, "self")]
    [InlineData("pidfd_self", -10000L, "PIDFD_SELF")]
    [InlineData("PIDFD_SELF_PROCESS", -10001L, "PIDFD_SELF_PROCESS")]
    [InlineData("-1", -1L, "-1")]
    [InlineData("9999", 9999L, "9999")]
    [InlineData("-20000", -20000L, "-20000")]
    public void Pmadvise_PidfdKinds(string written, long? raw, string printed)
    {
        var s = Scn.Last<PmadviseStep>($"pmadvise {written} [] COLD");
        if (raw is null)
        {
            Assert.IsType<PidfdArgument<string>.Self>(s.Pidfd);
        }
        else
        {
            Assert.Equal(raw, Assert.IsType<PidfdArgument<string>.Raw>(s.Pidfd).Fd);
        }

        Assert.StartsWith($"pmadvise {printed} ", s.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Pmadvise_NamedPidfdAndNegativeFlags()
    {
        var s = Scn.Last<PmadviseStep>("task B", "pidfd P B", "pmadvise P [] 21 -1");
        Assert.Equal("P", Assert.IsType<PidfdArgument<string>.Named>(s.Pidfd).Pidfd);
        Assert.Equal(ulong.MaxValue, s.Flags);
        Assert.Equal("pmadvise P [] 21 -1", s.Text);
        Assert.Equal("21", s.AdviceText);
    }

    [Fact]
    public void File()
    {
        var s = Scn.Last<FileStep>("file F 8K 7 MemFd");
        Assert.Equal(new FileStep("F", 8192, 7, true) { Line = 1, Text = "file F 8K 7 memfd" }, s);
        Assert.False(Scn.Last<FileStep>("file G 1p 0").Memfd);
    }

    [Fact]
    public void Pidfd()
    {
        var s = Scn.Last<PidfdStep>("task B", "pidfd P B");
        Assert.Equal(("P", "B", "pidfd P B"), (s.Name, s.Target, s.Text));
        Assert.Equal("pidfd Q self", Scn.Last<PidfdStep>("pidfd Q SELF").Text);
    }

    [Fact]
    public void TaskAndFork()
    {
        var scenario = Scn.Parse("TASK B", "Fork C", "in C: fork D");
        Assert.Equal("task B", Assert.IsType<TaskStep>(scenario.Steps[0]).Text);
        Assert.Equal("fork C", Assert.IsType<ForkStep>(scenario.Steps[1]).Text);
        var d = Assert.IsType<ForkStep>(scenario.Steps[2]);
        Assert.Equal(("D", "C", "in C: fork D"), (d.Name, d.Task, d.Text));
    }

    [Fact]
    public void Exit()
    {
        Assert.Equal("B", Scn.Last<ExitStep>("task B", "exit B").Target);
        Assert.Equal("exit self", Scn.Last<ExitStep>("exit Self").Text);
    }

    [Fact]
    public void SetUid()
    {
        var s = Scn.Last<SetUidStep>("task B", "setuid B 0xfffe");
        Assert.Equal(("B", 0xfffeu, "setuid B 0xfffe"), (s.Target, s.Uid, s.Text));
        Assert.Equal(uint.MaxValue - 1, Scn.Last<SetUidStep>("setuid self 4294967294").Uid);
    }

    [Theory]
    [InlineData("cap_sys_nice", (int)Capability.CAP_SYS_NICE, "CAP_SYS_NICE")]
    [InlineData("CAP_CHECKPOINT_RESTORE", (int)Capability.CAP_CHECKPOINT_RESTORE, "CAP_CHECKPOINT_RESTORE")]
    [InlineData("23", 23, "23")]
    [InlineData("63", 63, "63")]
    [InlineData("0x15", 21, "0x15")]
    public void DropCap(string written, int value, string printed)
    {
        var s = Scn.Last<DropCapStep>($"dropcap self {written}");
        Assert.Equal((value, printed, $"dropcap self {printed}"), (s.Capability, s.CapabilityText, s.Text));
    }

    [Fact]
    public void Config_EveryKey()
    {
        var s = Scn.Last<ConfigStep>("CONFIG Swap=64M MEMORY_FAILURE=On thp=NEVER ksm=off");
        Assert.Equal(new ScenarioConfig(64UL << 20, true, ThpMode.Never, false), s.Config);
        Assert.Equal("config swap=64M memory_failure=on thp=never ksm=off", s.Text);
    }

    [Fact]
    public void Config_KeysNotGivenAreNullAndLastRepeatWins()
    {
        var s = Scn.Last<ConfigStep>("config thp=always thp=madvise");
        Assert.Equal(new ScenarioConfig(null, null, ThpMode.Madvise, null), s.Config);
        Assert.Equal("config thp=always thp=madvise", s.Text);
    }

    [Fact]
    public void Config_SeveralLinesBeforeOtherSteps()
    {
        var scenario = Scn.Parse("config swap=0", "# comment", "", "config ksm=on", "task B");
        Assert.Equal(3, scenario.Steps.Count);
    }

    [Fact]
    public void InPrefix_Variants()
    {
        var texts = Scn.Parse(
            "task B",
            "in B: mmap X 1p rw private,anon",
            "in B : read X 1p",
            "IN B :read X 1p",
            "in SELF: read X 1p").Steps.Select(s => (s.Text, s.Task)).ToArray();
        Assert.Equal(
            [
                ("task B", null),
                ("in B: mmap X 1p rw private,anon", "B"),
                ("in B: read X 1p", "B"),
                ("in B: read X 1p", "B"),
                ("in self: read X 1p", "self"),
            ],
            texts);
    }

    [Fact]
    public void InPrefix_ColonMustEndTheTaskToken()
    {
        // As scnhost.py: "in B:read" is one token that does not end with ':'.
        var e = Scn.Error("task B", "in B:read X 1p");
        Assert.Equal((2, 4, "missing ':' after the task name"), (e.Line, e.Column, e.Message));
    }

    [Fact]
    public void InPrefix_AllowedOnTaskSteps()
    {
        var scenario = Scn.Parse("task B", "in B: task C", "in C: exit B", "in B: setuid C 5", "in B: dropcap C 1");
        Assert.Equal("in B: task C", scenario.Steps[1].Text);
        Assert.Equal("B", Assert.IsType<ExitStep>(scenario.Steps[2]).Target);
        Assert.Equal("C", scenario.Steps[2].Task);
    }

    [Fact]
    public void SpecExample_Parses()
    {
        var scenario = ScenarioParser.ParseFile(Path.Combine(Scn.DataDirectory, "spec-example.scn"));
        Assert.Equal(8, scenario.Steps.Count);
        Assert.Equal(
            [
                "mmap A 8p rw private,anon", "write A 8p 0xab", "madvise A+2p 2p DONTNEED", "mincore A 8p",
                "read A+2p 1p", "madvise A+1 1p DONTNEED", "pmadvise self [A 1p; A+4p 2p] DONTNEED",
                "pmadvise self [A 1p] DONTNEED 1",
            ],
            scenario.Steps.Select(s => s.Text));
        Assert.Equal(["ok", "0", "0", "11001111", "00*4096", "-EINVAL", "12288", "-EINVAL"], scenario.Steps.Select(s => s.Expected));
        Assert.Equal([2, 3, 4, 5, 6, 7, 8, 9], scenario.Steps.Select(s => s.Line));
        var pm = Assert.IsType<PmadviseStep>(scenario.Steps[6]);
        Assert.Equal(2, Assert.IsType<VectorArgument<AddressExpression>.List>(pm.Vector).Entries.Count);
    }
}
