using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary><c>madv run</c>, <c>madv check</c> and <c>--help</c>, with fake targets in the registry.</summary>
public sealed class CliTests : IDisposable
{
    /// <summary>A folder of scenario files private to one test.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-cli-tests-").FullName;

    /// <summary>Every target the registry created, in order.</summary>
    private readonly List<FakeTarget> _created = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_AllHeld_Exit0()
    {
        var file = Write("ok.scn", "mmap A 2p rw private,anon => ok", "read A 1p => 00*4096", "exit self => 0", "madvise A 1p COLD");
        var (code, output, error) = Madv(Targets(), "run", file);
        Assert.Equal(0, code);
        Assert.Equal(
            $"# {file}\nmmap A 2p rw private,anon = ok\nread A 1p = 00*4096\nexit self = SKIP(exit self)\nmadvise A 1p COLD = 0\n"
            + "1 files, 4 steps, 2 expectations held, 0 mismatches, 1 skipped\n",
            output);
        Assert.Empty(error);
        var target = Assert.Single(_created);
        Assert.Equal("sim", target.Name);
        Assert.True(target.Disposed);
    }

    [Fact]
    public void Run_Mismatch_Exit1_Listed()
    {
        var file = Write("bad.scn", "# comment", "madvise 0 1p   COLD =>   -EINVAL", "munmap 0 1p => 0");
        var (code, output, _) = Madv(Targets(), "run", file);
        Assert.Equal(1, code);
        Assert.Contains($"{file}:2: mismatch: madvise 0 1p COLD: expected '-EINVAL', got '0'\n", output, StringComparison.Ordinal);
        Assert.EndsWith("1 files, 2 steps, 1 expectations held, 1 mismatches, 0 skipped\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TargetError_Exit1()
    {
        var file = Write("err.scn", "madvise 0 1p COLD");
        var (code, output, error) = Madv(Targets(script: _ => throw new InvalidOperationException("bug")), "run", file);
        Assert.Equal(1, code);
        Assert.Contains($"{file}:1: error: madvise 0 1p COLD: ERROR(InvalidOperationException: bug)", output, StringComparison.Ordinal);
        Assert.EndsWith(", 1 target errors\n", output, StringComparison.Ordinal);
        Assert.Contains("bug", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ParseError_Exit2_OtherFilesStillRun()
    {
        var bad = Write("bad.scn", "mmap A 1p rw private,anon", "  madvise A 1p FROB");
        var good = Write("good.scn", "munmap 0 1p => 0");
        var (code, output, error) = Madv(Targets(), "run", bad, good);
        Assert.Equal(2, code);
        Assert.Equal($"{bad}:2:16: parse error: unknown behaviour 'FROB'\n", error);
        Assert.Equal($"# {good}\nmunmap 0 1p = 0\n1 files, 1 steps, 1 expectations held, 0 mismatches, 0 skipped\n", output);
    }

    [Fact]
    public void Run_MissingFile_Exit2()
    {
        var missing = Path.Combine(_dir, "missing.scn");
        var (code, _, error) = Madv(Targets(), "run", missing);
        Assert.Equal(2, code);
        Assert.StartsWith($"{missing}: cannot read: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_FreshTargetPerFile_SelectedByOption()
    {
        var a = Write("a.scn", "mmap A 1p rw private,anon");
        var b = Write("b.scn", "mmap A 1p rw private,anon");
        var (code, _, _) = Madv(Targets(), "run", a, b, "--target", "host");
        Assert.Equal(0, code);
        Assert.Equal(2, _created.Count);
        Assert.All(_created, t => Assert.Equal(("host", true), (t.Name, t.Disposed)));
        Assert.NotSame(_created[0], _created[1]);
    }

    [Fact]
    public void Run_UnavailableTarget_Exit2_BeforeAnyOutput()
    {
        var file = Write("a.scn", "munmap 0 1");
        var registry = new ScenarioTargets().Register("host", () => new FakeTarget("host"));
        var (code, output, error) = Madv(registry, "run", file);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal("madv: target 'sim' is not available in this build (available: host)\n", error);
        (code, _, error) = Madv(new ScenarioTargets(), "run", file, "-t", "frob");
        Assert.Equal(2, code);
        Assert.Equal("madv: target 'frob' is not available in this build (available: none)\n", error);
    }

    [Fact]
    public void Run_TargetThatCannotStart_Exit2()
    {
        var file = Write("a.scn", "munmap 0 1");
        var registry = new ScenarioTargets().Register("sim", () => throw new PlatformNotSupportedException("no kernel"));
        var (code, _, error) = Madv(registry, "run", file);
        Assert.Equal(2, code);
        Assert.Equal("madv: target 'sim' cannot start: no kernel\n", error);
    }

    [Fact]
    public void Run_JsonAndJUnit_CarryEveryFileAndMismatch()
    {
        var ok = Write("ok.scn", "mmap A 2p rw private,anon => ok", "exit self => 0");
        var bad = Write("bad.scn", "# comment", "madvise 0 1p COLD => -EINVAL", "munmap 0 1p => 0");
        var broken = Write("broken.scn", "mmap A 1p rw private,anon", "  madvise A 1p FROB");
        var json = Path.Combine(_dir, "out.json");
        var junit = Path.Combine(_dir, "out.xml");
        var (code, output, _) = Madv(Targets(), "run", ok, bad, broken, "--json", json, "--junit", junit);
        Assert.Equal(2, code);
        Assert.Contains($"wrote {json}", output, StringComparison.Ordinal);

        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(json));
        var root = doc.RootElement;
        Assert.Equal("madv-scenarios/1", root.GetProperty("schema").GetString());
        var files = root.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal([ok, bad, broken], files.Select(f => f.GetProperty("path").GetString()));
        Assert.Equal((2, 1, 0, 1), Counts(files[0]));
        Assert.Equal((2, 1, 1, 0), Counts(files[1]));
        var mismatch = Assert.Single(files[1].GetProperty("mismatches").EnumerateArray());
        Assert.Equal(2, mismatch.GetProperty("line").GetInt32());
        Assert.Equal("-EINVAL", mismatch.GetProperty("expected").GetString());
        Assert.Equal("0", mismatch.GetProperty("got").GetString());
        Assert.Contains("unknown behaviour 'FROB'", files[2].GetProperty("load_error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, root.GetProperty("totals").GetProperty("unreadable").GetInt32());

        var suites = JUnitSuites(junit);
        Assert.Equal([ok, bad, broken], suites.Select(s => s.GetAttribute("name")));
        Assert.Equal("1", suites[1].GetAttribute("failures"));
        var failure = (System.Xml.XmlElement)suites[1].SelectSingleNode("testcase/failure")!;
        Assert.Equal("expected '-EINVAL', got '0'", failure.GetAttribute("message"));
        Assert.Equal("2: madvise 0 1p COLD", ((System.Xml.XmlElement)failure.ParentNode!).GetAttribute("name"));
        Assert.NotNull(suites[0].SelectSingleNode("testcase/skipped"));
        Assert.NotNull(suites[2].SelectSingleNode("testcase/error"));
    }

    [Fact]
    public void Check_JsonAndJUnit_ListDifferences_SimExpectedHostGot()
    {
        var file = Write("diff.scn", "mmap A 1p rw private,anon", "madvise A 1p PAGEOUT", "munmap A 1p");
        var json = Path.Combine(_dir, "check.json");
        var junit = Path.Combine(_dir, "check.xml");
        var registry = Targets(script: c => c.EndsWith(" 21", StringComparison.Ordinal) ? -22 : null, hostOnly: true);
        var (code, _, _) = Madv(registry, "check", file, "--json", json, "--junit", junit);
        Assert.Equal(1, code);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(json));
        var f = Assert.Single(doc.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal("sim,host", f.GetProperty("target").GetString());
        var d = Assert.Single(f.GetProperty("mismatches").EnumerateArray());
        Assert.Equal(2, d.GetProperty("line").GetInt32());
        Assert.Equal("difference", d.GetProperty("kind").GetString());
        Assert.NotEqual(d.GetProperty("expected").GetString(), d.GetProperty("got").GetString());
        var suite = Assert.Single(JUnitSuites(junit));
        Assert.Equal("3", suite.GetAttribute("tests"));
        Assert.Equal("1", suite.GetAttribute("failures"));
    }

    [Fact]
    public void Run_JUnitToUnwritablePlace_RefusedBeforeRunning_Exit2_AndSaysWhy()
    {
        var ok = Write("ok.scn", "munmap 0 1p => 0");
        var (code, output, error) = Madv(Targets(), "run", ok, "--junit", Path.Combine(_dir, "no", "such", "dir", "x.xml"));
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Empty(_created);
        Assert.Contains("no/such/dir does not exist", error, StringComparison.Ordinal);
    }

    /// <summary>steps, held, mismatched, skipped of a file record.</summary>
    private static (int, int, int, int) Counts(System.Text.Json.JsonElement f) =>
        (f.GetProperty("steps").GetInt32(), f.GetProperty("held").GetInt32(), f.GetProperty("mismatched").GetInt32(), f.GetProperty("skipped").GetInt32());

    /// <summary>
    /// Parses <paramref name="path"/> as XML and checks the JUnit shape CI systems rely on: a
    /// testsuites root whose counts add up over testsuite elements, each with name, tests,
    /// failures, errors, skipped and time, holding testcase elements with classname and name and
    /// at most one failure, error or skipped child.
    /// </summary>
    private static List<System.Xml.XmlElement> JUnitSuites(string path)
    {
        var xml = new System.Xml.XmlDocument();
        xml.Load(path);
        var root = xml.DocumentElement!;
        Assert.Equal("testsuites", root.Name);
        var suites = root.ChildNodes.OfType<System.Xml.XmlElement>().ToList();
        Assert.All(suites, s => Assert.Equal("testsuite", s.Name));
        foreach (var attribute in new[] { "tests", "failures", "errors", "skipped" })
        {
            Assert.Equal(int.Parse(root.GetAttribute(attribute), System.Globalization.CultureInfo.InvariantCulture), suites.Sum(s => int.Parse(s.GetAttribute(attribute), System.Globalization.CultureInfo.InvariantCulture)));
        }

        foreach (var suite in suites)
        {
            Assert.False(string.IsNullOrEmpty(suite.GetAttribute("name")));
            Assert.True(double.TryParse(suite.GetAttribute("time"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _));
            var cases = suite.ChildNodes.OfType<System.Xml.XmlElement>().Where(e => e.Name == "testcase").ToList();
            Assert.Equal(int.Parse(suite.GetAttribute("tests"), System.Globalization.CultureInfo.InvariantCulture), cases.Count);
            foreach (var c in cases)
            {
                Assert.False(string.IsNullOrEmpty(c.GetAttribute("classname")));
                Assert.False(string.IsNullOrEmpty(c.GetAttribute("name")));
                Assert.True(c.ChildNodes.OfType<System.Xml.XmlElement>().Count(e => e.Name is "failure" or "error" or "skipped") <= 1);
            }

            Assert.Equal(suite.GetAttribute("failures"), cases.Count(c => c.SelectSingleNode("failure") is not null).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return suites;
    }

    [Fact]
    public void Check_SameResults_Exit0_SkipsNotCompared()
    {
        var file = Write("same.scn", "mmap A 1p rw private,anon => -EINVAL", "setuid self 0", "read A 1p");
        var registry = Targets(script: c => c == "self setuid 0" ? TargetResult.NotSupported : null, hostOnly: true);
        var (code, output, error) = Madv(registry, "check", file);
        Assert.Equal(0, code);
        Assert.Equal("1 files, 2 steps compared, 0 differ, 1 skipped\n", output);
        Assert.Empty(error);
        Assert.Equal(["sim", "host"], _created.Select(t => t.Name));
        Assert.All(_created, t => Assert.True(t.Disposed));
    }

    [Fact]
    public void Check_Differences_Exit1_Listed()
    {
        var file = Write("diff.scn", "mmap A 1p rw private,anon", "madvise A 1p PAGEOUT", "madvise A 1p COLD");
        var registry = Targets(script: c => c.EndsWith(" 21", StringComparison.Ordinal) ? -22 : null, hostOnly: true);
        var (code, output, _) = Madv(registry, "check", file);
        Assert.Equal(1, code);
        Assert.Equal($"{file}:2: madvise A 1p PAGEOUT: sim '0', host '-EINVAL'\n1 files, 3 steps compared, 1 differ, 0 skipped\n", output);
    }

    [Fact]
    public void Run_HostDivergentFile_ShowsWhereAndCountsDivergent_Exit0()
    {
        var file = Write("fork.scn", "# @host-divergent: fork prints SKIP", "mmap A 1p rw private,anon => ok", "fork C => ok", "read A 1p => 22*4096");
        var (code, output, _) = Madv(ForkSkippingTargets(), "run", file, "--target", "host");
        Assert.Equal(0, code);
        Assert.Contains($"{file}:3: host-divergent from here: fork prints SKIP\n", output, StringComparison.Ordinal);
        Assert.EndsWith("1 files, 3 steps, 1 expectations held, 0 mismatches, 1 skipped, 1 divergent (host-divergent files)\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_HostDivergentFile_DivergentStepsNotCompared_Exit0()
    {
        var file = Write("fork.scn", "# @host-divergent: fork prints SKIP", "mmap A 1p rw private,anon", "fork C", "madvise A 1p PAGEOUT");
        var (code, output, _) = Madv(ForkSkippingTargets(script: c => c.EndsWith(" 21", StringComparison.Ordinal) ? -22 : null), "check", file);
        Assert.Equal(0, code);
        Assert.Equal("1 files, 1 steps compared, 0 differ, 1 skipped, 1 divergent (host-divergent files)\n", output);
    }

    [Fact]
    public void Check_ParseError_Exit2()
    {
        var bad = Write("bad.scn", "read A 1p");
        var (code, output, error) = Madv(Targets(), "check", bad);
        Assert.Equal(2, code);
        Assert.Equal($"{bad}:1:6: parse error: unknown mapping name 'A'\n", error);
        Assert.Equal("0 files, 0 steps compared, 0 differ, 0 skipped\n", output);
    }

    [Fact]
    public void Check_NeedsBothTargets()
    {
        var file = Write("a.scn", "munmap 0 1");
        var registry = new ScenarioTargets().Register("sim", () => new FakeTarget("sim"));
        var (code, output, error) = Madv(registry, "check", file);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal("madv: target 'host' is not available in this build (available: sim)\n", error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("run --help")]
    [InlineData("check --help")]
    [InlineData("run -h")]
    public void Help_SaysWhatExitCodesAndExample(string args)
    {
        var (code, output, error) = Madv(Targets(), args.Split(' '));
        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("Exit codes", output, StringComparison.Ordinal);
        Assert.Contains("Example:", output, StringComparison.Ordinal);
        Assert.Contains("madv ", output, StringComparison.Ordinal);
        Assert.Contains("2  ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_RootListsCommands()
    {
        var (_, output, _) = Madv(Targets(), "--help");
        Assert.Contains("run <FILE>", output, StringComparison.Ordinal);
        Assert.Contains("check <FILE>", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("run")]
    [InlineData("frobnicate")]
    [InlineData("check --target sim x.scn")]
    public void UsageErrors_Exit2(string args)
    {
        var (code, output, error) = Madv(Targets(), args.Length == 0 ? [] : args.Split(' '));
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("Try 'madv --help'.", error, StringComparison.Ordinal);
        Assert.Empty(_created);
    }

    private ScenarioTargets Targets(Func<string, long?>? script = null, bool hostOnly = false)
    {
        FakeTarget Make(string name)
        {
            var target = new FakeTarget(name);
            if (script is not null && (!hostOnly || name == "host"))
            {
                target.Script = script;
            }

            _created.Add(target);
            return target;
        }

        return new ScenarioTargets().Register("sim", () => Make("sim")).Register("host", () => Make("host"));
    }

    /// <summary>Fake sim and host targets; the host's fork prints SKIP as the C# host target's does where the fork server library was not built, and only it follows <paramref name="script"/>.</summary>
    private ScenarioTargets ForkSkippingTargets(Func<string, long?>? script = null)
    {
        FakeTarget Make(string name)
        {
            var target = new FakeTarget(name);
            if (name == "host")
            {
                target.CreationFailures["C"] = "SKIP(fork: no libmadv-fork.so)";
                target.Script = script ?? target.Script;
            }

            _created.Add(target);
            return target;
        }

        return new ScenarioTargets().Register("sim", () => Make("sim")).Register("host", () => Make("host"));
    }

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static (int Code, string Output, string Error) Madv(ScenarioTargets targets, params string[] args) => MadvCli.Run(targets, args);
}
