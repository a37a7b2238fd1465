using System.Globalization;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>Canonical results, expectations and the report.</summary>
public class RunnerResultTests
{
    private const ulong Base = 0x7f00_0000_0000;

    [Fact]
    public void ErrnoAndCounts()
    {
        var target = new FakeTarget
        {
            Script = c => c.Split(' ')[1] switch
            {
                "madvise" => -22,
                "pmadvise" => 12288,
                "write" => -14,
                "mlock" => -11,
                "munlock" => -133,
                "mprotect" => -1000,
                _ => null,
            },
        };
        var results = Scn.Results(target, "madvise 0 1 COLD", "pmadvise self [] COLD", "write 0 1 0", "mlock 0 1", "munlock 0 1", "mprotect 0 1 r");
        Assert.Equal(["-EINVAL", "12288", "-EFAULT", "-EAGAIN", "-EHWPOISON", "-E1000"], results);
    }

    [Fact]
    public void ReadPrintsRunLengthHex()
    {
        var target = new FakeTarget { ReadValue = 0xab, Script = c => c.StartsWith("self read 0x1 ", StringComparison.Ordinal) ? -14 : null };
        Assert.Equal(["ab*8192", "-EFAULT"], Scn.Results(target, "read 0 2p", "read 1 1"));
    }

    [Fact]
    public void LengthZeroShortcuts()
    {
        var target = new FakeTarget { Script = _ => -22 };
        var (report, output, _) = Scn.Run(target, "mmap A 1p rw private,anon", "read 1 0", "write 1 0 5", "vmas 1 0", "smaps 1 0", "mincore 1 0");

        // mincore of LEN 0 still asks the kernel, which checks the address.
        Assert.Equal(["-EINVAL", "", "0", "[]", "[]", "-EINVAL"], report.Steps.Select(s => s.Result));
        Assert.Equal(["self mmap 0x0 0x1000 0x3 0x22 - 0x0", "self mincore 0x1 0x0 0"], target.Calls);
        Assert.Contains("read 1 0 = \n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var ok = new FakeTarget();
        Assert.Equal([""], Scn.Results(ok, "mincore 0 0"));
    }

    [Fact]
    public void MincorePrintsBitZeroPerPage()
    {
        var target = new FakeTarget();
        Assert.Equal(["10101", "1"], Scn.Results(target, "mincore 0 0x4001", "mincore 0 1"));
        Assert.Equal("self mincore 0x0 0x4001 5", target.Calls[0]);
    }

    [Fact]
    public void LongMincoreIsAskedAWindowAtATime()
    {
        // A kernel with a hole at page 0x180000 of the range starting at 0x1000000000.
        static long? Kernel(string call)
        {
            var p = call.Split(' ');
            if (p[1] != "mincore")
            {
                return null;
            }

            var addr = ulong.Parse(p[2][2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var length = ulong.Parse(p[3][2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            const ulong hole = 0x1000000000 + (0x180000UL << 12);
            return addr <= hole && addr + length > hole ? -Errno.ENOMEM : 0;
        }

        var target = new FakeTarget { Script = Kernel };
        var results = Scn.Results(target, "mincore 0 0x200001p", "mincore 0 0x1000001p", "mincore 0x1000000000 0x200000p");

        // Each window's vector restarts the fake's 1010... pattern.
        Assert.Equal(string.Concat(Enumerable.Repeat("10", 1 << 20)) + "1", results[0]);
        Assert.Equal("SKIP(mincore result longer than 16777216 pages)", results[1]);
        Assert.Equal("-ENOMEM", results[2]);
        Assert.Equal(
            ["self mincore 0x0 0x100000000 1048576", "self mincore 0x100000000 0x100000000 1048576", "self mincore 0x200000000 0x1000 1"],
            target.Calls.Take(3));
        Assert.Equal(3 + 17 + 2, target.Calls.Count);

        // Up to one window, one call with the whole vector.
        Assert.Equal(["1010"], Scn.Results(new FakeTarget(), "mincore 0 0x100000p").Select(r => r[..4]));
    }

    [Fact]
    public void VmasPrintsPageOffsetsBytesNegativesAndSortedFlags()
    {
        var target = new FakeTarget();
        target.Mappings.Add(new MappingInfo(Base - 0x3000, Base - 0x1000, "---p", []));
        target.Mappings.Add(new MappingInfo(Base, Base + 0x2000, "rw-p", ["sr", "dd", "lo", "dd"]));
        target.Mappings.Add(new MappingInfo(Base + 0x2000, Base + 0x2800, "r--s", ["gu"]));
        target.Mappings.Add(new MappingInfo(Base - 0x10, Base - 8, "rwxp", []));
        var results = Scn.Results(target, "mmap A 1p rw private,anon", "vmas A 8p");
        Assert.Equal("[-3p--1p ---p; 0p-2p rw-p dd lo sr; 2p-10240 r--s gu; -16--8 rwxp]", results[1]);
        Assert.Equal(["[]"], Scn.Results(new FakeTarget(), "vmas 0 1p"));
    }

    [Fact]
    public void SmapsPrintsEveryCounterOfEachMappingWithVmasOffsets()
    {
        var target = new FakeTarget();
        target.Smaps.Add(new SmapsInfo(Base - 0x3000, Base + 0x2000, 8, 4, 0, 4, 0, 0));
        target.Smaps.Add(new SmapsInfo(Base + 0x2000, Base + 0x2800, 2048, 2048, 2048, 0, 12, 3));
        var results = Scn.Results(target, "mmap A 1p rw private,anon", "smaps A+1p 8p");
        Assert.Equal(
            "[-4p-1p Rss=8 Anonymous=4 AnonHugePages=0 LazyFree=4 Swap=0 Locked=0; 1p-6144 Rss=2048 Anonymous=2048 AnonHugePages=2048 LazyFree=0 Swap=12 Locked=3]",
            results[1]);
        Assert.Equal($"self smaps 0x{Base + 0x1000:x} 0x8000", target.Calls[1]);
        Assert.Equal(["[]"], Scn.Results(new FakeTarget(), "smaps 0 1p"));
        Assert.Equal(["-ENOMEM"], Scn.Results(new FakeTarget { Script = _ => -12 }, "smaps 0 1"));
    }

    [Fact]
    public void VmasError()
    {
        var target = new FakeTarget { Script = _ => -12 };
        Assert.Equal(["-ENOMEM"], Scn.Results(target, "vmas 0 1"));
    }

    [Fact]
    public void ExpectationsMatchAfterWhitespaceFolding()
    {
        var target = new FakeTarget { ReadValue = 1 };
        target.Mappings.Add(new MappingInfo(0, 0x1000, "rw-p", ["lo", "dd"]));
        var (report, _, _) = Scn.Run(
            target,
            "vmas 0 1p =>   [0p-1p   rw-p dd\tlo]",
            "read 0 1p => 01*4096",
            "read 0 1p => 01*4095",
            "read 0 1p",
            "mincore 0 2p => 1 0");
        Assert.Equal([StepVerdict.Held, StepVerdict.Held, StepVerdict.Mismatch, StepVerdict.NotChecked, StepVerdict.Mismatch], report.Steps.Select(s => s.Verdict));
        Assert.Equal((2, 2, 0, 0), (report.Held, report.Mismatches, report.Skipped, report.Errors));
        Assert.False(report.Passed);
        Assert.Equal("fake", report.TargetName);
        Assert.Equal("01*4095", report.Steps[2].Expected);
        Assert.Equal("read 0 1p", report.Steps[2].Text);
    }

    [Fact]
    public void SkipsAreNotCompared()
    {
        var target = new FakeTarget();
        var (report, _, _) = Scn.Run(target, "exit self => 0", "read 0 1p => 00*4096");
        Assert.Equal((1, 1, 0), (report.Skipped, report.Held, report.Mismatches));
        Assert.True(report.Passed);
        Assert.True(report.Steps[0].IsSkip);
    }

    [Fact]
    public void OutputStreamsOneLinePerStep()
    {
        var target = new FakeTarget();
        var (_, output, _) = Scn.Run(target, "# c", "mmap  A 1P RW private,ANON => ok", "", "in self:  MADVISE A 1p cold # x");
        Assert.Equal("mmap A 1P rw private,anon = ok\nin self: madvise A 1p COLD = 0\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void OffsetFormatting()
    {
        Assert.Equal("0p", ScenarioResults.Offset(5, 5));
        Assert.Equal("1", ScenarioResults.Offset(5, 6));
        Assert.Equal("-1", ScenarioResults.Offset(6, 5));
        Assert.Equal("-1p", ScenarioResults.Offset(4097, 1));
        Assert.Equal("4503599627370495p", ScenarioResults.Offset(0, 0xFFFF_FFFF_FFFF_F000));
        Assert.Equal("-18446744073709551615", ScenarioResults.Offset(ulong.MaxValue, 0));
    }
}
